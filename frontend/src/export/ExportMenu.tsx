// Export what the graph view shows: the drawing as PNG or SVG, the drawn nodes and edges as CSV.
import { useState, type RefObject } from "react";
import type { ViewHandle } from "../graph/PulseView";
import type { GraphEdge, GraphNode } from "../api/types";
import { drawnEdges, edgesCsv, nodesCsv } from "./csv";
import { download, stamp } from "./download";
import { buildSvg, sceneFromSigma } from "./svg";

const BACKGROUND = "#0b1220";

interface Props {
  view: RefObject<ViewHandle | null>;
  nodes: Record<string, GraphNode>;
  edges: Record<string, GraphEdge>;
}

export function ExportMenu({ view, nodes, edges }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (what: () => Promise<void> | void) => {
    const h = view.current;
    if (!h) return;
    setError(null);
    setBusy(true);
    try {
      await what();
    } catch {
      setError("The export failed; try again.");
    } finally {
      setBusy(false);
    }
  };
  const name = (ext: string, what = "graph") => `nexus-${what}-${stamp()}.${ext}`;
  const drawn = () => view.current!.drawnIds();
  const label = (id: string) => nodes[id]?.label ?? view.current?.model.clusters.find((c) => `cluster:${c.key}` === id)?.label ?? id;

  const png = () => run(async () => {
    const h = view.current!;
    const { toBlob } = await import("@sigma/export-image");
    const blob = await toBlob(h.sigma as never, { format: "png", backgroundColor: BACKGROUND, ...(h.imageOptions() as object) });
    download(name("png"), blob);
  });
  const svg = () => run(() => {
    const h = view.current!;
    download(name("svg"), buildSvg(sceneFromSigma(h.sigma as never, drawn(), BACKGROUND, "NEXUS PulseView")), "image/svg+xml;charset=utf-8");
  });
  const nodesFile = () => run(() => {
    const h = view.current!;
    const clusters = new Map(h.model.clusters.map((c) => [`cluster:${c.key}`, { id: `cluster:${c.key}`, count: c.count }]));
    download(name("csv", "nodes"), nodesCsv(drawn(), nodes, clusters), "text/csv;charset=utf-8");
  });
  const edgesFile = () => run(() => {
    const h = view.current!;
    download(name("csv", "edges"), edgesCsv(drawnEdges(new Set(drawn()), edges, h.model.clusterEdges), label), "text/csv;charset=utf-8");
  });

  return (
    <details className="export-menu">
      <summary aria-label="Export the view">Export</summary>
      <div className="export-items" role="group" aria-label="Export">
        <button type="button" onClick={png} disabled={busy}>Image (PNG)</button>
        <button type="button" onClick={svg} disabled={busy}>Image (SVG)</button>
        <button type="button" onClick={nodesFile} disabled={busy}>Visible nodes (CSV)</button>
        <button type="button" onClick={edgesFile} disabled={busy}>Visible edges (CSV)</button>
        {error && <span className="state-error" role="alert">{error}</span>}
      </div>
    </details>
  );
}
