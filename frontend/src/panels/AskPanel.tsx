// Ask NEXUS: a conversation whose answers cite graph nodes; clicking a citation focuses it.
import { useEffect, useRef, useState } from "react";
import { api, errorText } from "../api";
import { LinkedText } from "../components/LinkedText";
import { ErrorNote } from "../components/Status";
import type { GraphNode } from "../types";

type Dict = Record<string, unknown>;

export interface Citation { id: string; label?: string; current_freshness?: number | null }
export interface Turn { role: "user" | "assistant"; content: string; citations: Citation[]; mode?: string }

export function citationsOf(body: Dict): Citation[] {
  const raw = (body.citations ?? body.cited_nodes ?? body.sources ?? body.nodes ?? body.node_ids ?? []) as unknown[];
  if (!Array.isArray(raw)) return [];
  return raw
    .map((c): Citation | null => {
      if (typeof c === "string") return { id: c };
      if (c && typeof c === "object") {
        const d = c as Dict;
        const id = d.id ?? d.node_id;
        if (id === undefined || id === null) return null;
        const f = d.current_freshness ?? d.freshness;
        return { id: String(id), label: d.label as string | undefined, current_freshness: f === undefined || f === null ? null : Number(f) };
      }
      return null;
    })
    .filter((c): c is Citation => c !== null);
}

const STORE_KEY = "nexus.ask.conversation";

interface Props {
  nodes: Record<string, GraphNode>;
  onCite: (id: string) => void;
}

export default function AskPanel({ nodes, onCite }: Props) {
  const [turns, setTurns] = useState<Turn[]>([]);
  const [conversationId, setConversationId] = useState<string | null>(() => sessionStorage.getItem(STORE_KEY));
  const [question, setQuestion] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const endRef = useRef<HTMLDivElement>(null);

  // Restore a conversation kept from earlier in this browser session.
  useEffect(() => {
    if (!conversationId || turns.length) return;
    api<Dict>(`/api/conversations/${encodeURIComponent(conversationId)}`)
      .then((body) => {
        const list = (body.turns ?? body.messages ?? body.history ?? []) as Dict[];
        if (Array.isArray(list)) {
          setTurns(list.map((t) => ({
            role: t.role === "user" ? "user" : "assistant",
            content: String(t.content ?? ""),
            citations: citationsOf(t),
          })));
        }
      })
      .catch(() => {
        sessionStorage.removeItem(STORE_KEY);
        setConversationId(null);
      });
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: "end" });
  }, [turns.length]);

  const ask = async (e: React.FormEvent) => {
    e.preventDefault();
    const q = question.trim();
    if (!q) return;
    setBusy(true);
    setError(null);
    setTurns((t) => [...t, { role: "user", content: q, citations: [] }]);
    setQuestion("");
    try {
      const body = await api<Dict>("/api/ask", { method: "POST", json: conversationId ? { question: q, conversation_id: conversationId } : { question: q } });
      const cid = body.conversation_id ? String(body.conversation_id) : conversationId;
      if (cid) {
        setConversationId(cid);
        sessionStorage.setItem(STORE_KEY, cid);
      }
      setTurns((t) => [...t, {
        role: "assistant",
        content: String(body.answer ?? body.content ?? ""),
        citations: citationsOf(body),
        mode: body.mode as string | undefined,
      }]);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const reset = () => {
    setTurns([]);
    setConversationId(null);
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
                  const f = c.current_freshness ?? null;
                  return (
                    <li key={c.id}>
                      <button type="button" className="citation" data-node-id={c.id} onClick={() => onCite(c.id)}>
                        {nodes[c.id]?.label ?? c.label ?? c.id}
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
      {error && <ErrorNote message={error} />}
      <form onSubmit={ask} className="ask-form">
        <label htmlFor="ask-q" className="sr-only">Your question</label>
        <input id="ask-q" value={question} onChange={(e) => setQuestion(e.target.value)} placeholder="When does the Halden pilot go live?" autoComplete="off" />
        <button type="submit" disabled={busy}>Ask</button>
      </form>
      {conversationId && <button type="button" className="link" onClick={reset}>New conversation</button>}
    </section>
  );
}
