// Semantic search over /api/search: highlights the hits and fits the view on them.
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorText } from "../api/client";
import type { GraphNode, SearchOut, SearchResult } from "../api/types";

interface Props {
  nodes: Record<string, GraphNode>;
  onResults: (ids: string[]) => void;
  onPick: (id: string) => void;
}

export function SearchBox({ nodes, onResults, onPick }: Props) {
  const [q, setQ] = useState("");
  // A search is asked for, not kept in step with the box: a mutation, whose answer is the hits.
  // The hits shown stay until the next search answers (or fails).
  const [hits, setHits] = useState<SearchResult[] | null>(null);
  const search = useMutation({
    mutationFn: (query: string) => api<SearchOut>(`/api/search?q=${encodeURIComponent(query)}&k=8`),
    onSuccess: (body) => {
      setHits(body.results);
      onResults(body.results.map((h) => h.node.id));
    },
    onError: () => setHits(null),
  });
  const busy = search.isPending;

  const run = (e: React.FormEvent) => {
    e.preventDefault();
    const query = q.trim();
    if (!query) return clear();
    search.mutate(query);
  };

  const clear = () => {
    setQ("");
    setHits(null);
    search.reset();
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
      {search.isError && <div className="search-results state-error" role="alert">{errorText(search.error)}</div>}
      {hits && (
        <ul className="search-results" aria-label="Search results" data-testid="search-results">
          {hits.length === 0 && <li className="state-empty">No matching nodes.</li>}
          {hits.map(({ node, similarity, current_freshness }) => (
            <li key={node.id}>
              <button type="button" onClick={() => onPick(node.id)}>
                <span className="hit-label">{nodes[node.id]?.label ?? node.label}</span>
                <span className="hit-meta">
                  {nodes[node.id]?.type ?? node.type}
                  {` · ${(similarity * 100).toFixed(0)}% match`}
                  {current_freshness !== null && ` · fresh ${(current_freshness * 100).toFixed(0)}%`}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
