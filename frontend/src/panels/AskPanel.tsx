// Ask NEXUS: a conversation whose answers cite graph nodes; clicking a citation focuses it.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api, errorText } from "../api/client";
import { queryKeys } from "../api/query";
import type { AskResponse, Citation, Conversation, GraphNode, Schemas } from "../api/types";
import { LinkedText } from "../components/LinkedText";
import { ErrorNote } from "../components/Status";

export interface Turn { role: "user" | "assistant"; content: string; citations: Citation[]; mode?: Schemas["AnswerModeEnum"] }

/** A stored conversation's turns (a stored turn keeps its text; the citations were the answer's). */
export function turnsOf(conversation: Conversation): Turn[] {
  return conversation.turns.map((t) => ({ role: t.role === "user" ? "user" : "assistant", content: t.content, citations: [] }));
}

const STORE_KEY = "nexus.ask.conversation";

interface Props {
  nodes: Record<string, GraphNode>;
  onCite: (id: string) => void;
}

export default function AskPanel({ nodes, onCite }: Props) {
  // The conversation kept from earlier in this browser session, restored once.
  const [stored] = useState(() => sessionStorage.getItem(STORE_KEY));
  const restored = useQuery({
    queryKey: queryKeys.conversation(stored ?? ""),
    enabled: stored !== null,
    staleTime: Infinity,
    queryFn: async () => {
      try {
        return turnsOf(await api<Conversation>(`/api/conversations/${encodeURIComponent(stored ?? "")}`));
      } catch {
        sessionStorage.removeItem(STORE_KEY); // gone (or not this user's): start afresh
        return null;
      }
    },
  });
  // Since the page opened: null until the first question (or "New conversation").
  const [session, setSession] = useState<{ id: string | null; turns: Turn[] } | null>(null);
  const conversationId = session ? session.id : restored.data === null ? null : stored;
  const turns = session ? session.turns : restored.data ?? [];
  const [question, setQuestion] = useState("");
  const endRef = useRef<HTMLDivElement>(null);

  const asking = useMutation({
    mutationFn: (body: Schemas["AskRequestRequest"]) => api<AskResponse>("/api/ask", { method: "POST", json: body }),
    onSuccess: (body) => {
      sessionStorage.setItem(STORE_KEY, body.conversation_id);
      setSession((s) => ({
        id: body.conversation_id,
        turns: [...(s?.turns ?? []), { role: "assistant", content: body.answer, citations: body.citations, mode: body.mode }],
      }));
    },
  });
  const busy = asking.isPending;

  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: "end" });
  }, [turns.length]);

  const ask = (e: React.FormEvent) => {
    e.preventDefault();
    const q = question.trim();
    if (!q) return;
    setSession({ id: conversationId, turns: [...turns, { role: "user", content: q, citations: [] }] });
    setQuestion("");
    asking.mutate(conversationId ? { question: q, conversation_id: conversationId } : { question: q });
  };

  const reset = () => {
    setSession({ id: null, turns: [] });
    asking.reset();
    sessionStorage.removeItem(STORE_KEY);
  };

  return (
    <section aria-labelledby="ask-title" className="panel ask">
      <h2 id="ask-title">Ask NEXUS</h2>
      <div className="chat" aria-live="polite" data-testid="chat">
        {turns.length === 0 && <p className="state-empty">Ask about decisions, commitments, who knows what…</p>}
        {turns.map((t, i) => (
          <div key={i} className={`turn turn-${t.role}`} data-testid={`turn-${t.role}`}>
            <p>{t.role === "assistant" ? <LinkedText text={t.content} /> : t.content}</p>
            {t.mode && t.mode !== "llm" && <p className="muted small">answered {t.mode}</p>}
            {t.citations.length > 0 && (
              <ul className="citations" aria-label="Cited nodes">
                {t.citations.map((c) => {
                  const f = c.current_freshness;
                  return (
                    <li key={c.id}>
                      <button type="button" className="citation" data-node-id={c.id} onClick={() => onCite(c.id)}>
                        {nodes[c.id]?.label ?? c.label}
                        {f !== null && <span className={`fresh-tag ${f < 0.25 ? "stale" : ""}`}>{Math.round(f * 100)}% fresh</span>}
                      </button>
                    </li>
                  );
                })}
              </ul>
            )}
          </div>
        ))}
        {busy && <p className="state-loading" role="status">Thinking…</p>}
        <div ref={endRef} />
      </div>
      {asking.isError && <ErrorNote message={errorText(asking.error)} />}
      <form onSubmit={ask} className="ask-form">
        <label htmlFor="ask-q" className="sr-only">Your question</label>
        <input id="ask-q" value={question} onChange={(e) => setQuestion(e.target.value)} placeholder="When does the Halden pilot go live?" autoComplete="off" />
        <button type="submit" disabled={busy}>Ask</button>
      </form>
      {conversationId && <button type="button" className="link" onClick={reset}>New conversation</button>}
    </section>
  );
}
