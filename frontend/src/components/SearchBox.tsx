// Semantic search over /api/search: highlights the hits and fits the view on them.
import { useState } from "react";
import { api, asList, errorText } from "../api";
import type { GraphNode } from "../types";

export interface SearchHit {
  id: string;
  similarity: number | null;
  current_freshness: number | null;
  label?: string;
  type?: string;
}

export function normaliseHit(raw: Record<string, unknown>): SearchHit | null {
  const node = (raw.node ?? {}) as Record<string, unknown>;
  const id = raw.node_id ?? raw.id ?? node.id;
  if (id === undefined || id === null) return null;
  const num = (v: unknown) => (v === undefined || v === null || Number.isNaN(Number(v)) ? null : Number(v));
  return {
    id: String(id),
    similarity: num(raw.similarity ?? raw.score),
    current_freshness: num(raw.current_freshness ?? node.current_freshness),
    label: (raw.label ?? node.label) as string | undefined,
    type: (raw.type ?? node.type) as string | undefined,
  };
}

interface Props {
  nodes: Record<string, GraphNode>;
  onResults: (ids: string[]) => void;
  onPick: (id: string) => void;
}

export function SearchBox({ nodes, onResults, onPick }: Props) {
  const [q, setQ] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async (e: React.FormEvent) => {
    e.preventDefault();
    const query = q.trim();
    if (!query) return clear();
    setBusy(true);
    setError(null);
    try {
      const body = await api<unknown>(`/api/search?q=${encodeURIComponent(query)}&k=8`);
      const list = asList<Record<string, unknown>>(body, "results", "matches")
        .map(normaliseHit)
        .filter((h): h is SearchHit => h !== null);
      setHits(list);
      onResults(list.map((h) => h.id));
    } catch (err) {
      setHits(null);
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const clear = () => {
    setQ("");
    setHits(null);
    setError(null);
    onResults([]);
  };

  return (
    <div className="search">
      <form role="search" onSubmit={run} className="search-form">
        <label htmlFor="nx-search" className="sr-only">Semantic search</label>
        <input
          id="nx-search"
          type="search"
          placeholder="Search the graph (meaning, not just words)…"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          autoComplete="off"
        />
        <button type="submit" disabled={busy}>{busy ? "Searching…" : "Search"}</button>
        {hits && <button type="button" onClick={clear} aria-label="Clear search">Clear</button>}
      </form>
      {error && <div className="search-results state-error" role="alert">{error}</div>}
      {hits && (
        <ul className="search-results" aria-label="Search results" data-testid="search-results">
          {hits.length === 0 && <li className="state-empty">No matching nodes.</li>}
          {hits.map((h) => (
            <li key={h.id}>
              <button type="button" onClick={() => onPick(h.id)}>
                <span className="hit-label">{nodes[h.id]?.label ?? h.label ?? h.id}</span>
                <span className="hit-meta">
                  {nodes[h.id]?.type ?? h.type}
                  {h.similarity !== null && ` · ${(h.similarity * 100).toFixed(0)}% match`}
                  {h.current_freshness !== null && ` · fresh ${(h.current_freshness * 100).toFixed(0)}%`}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
