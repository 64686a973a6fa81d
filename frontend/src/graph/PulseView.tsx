// PulseView: the live graph drawn with WebGL (sigma.js on graphology). Nodes sit at their stored
// x/y; filters, focus mode and collapsed groups hide, never move, nodes. What is drawn is decided
// per frame by the reducers below, from the latest props kept in a ref.
import { createNodeBorderProgram } from "@sigma/node-border";
import { useEffect, useLayoutEffect, useRef, type MutableRefObject, type ReactNode } from "react";
import Sigma from "sigma";
import type { NodeDisplayData, EdgeDisplayData } from "sigma/types";
import type { GraphNode } from "../api/types";
import { CLUSTER_PREFIX, type Point } from "./model";
import { installAppender, type Appender } from "./appendIndex";
import { EdgeFineProgram, handMoving, inMotion, markBusy, NodeDotProgram } from "./programs";
import { PulseGraph, toStored, type NodeAttrs, type SyncReport } from "./pulseGraph";
import type { GraphState } from "./reducer";

export interface Filters {
  hiddenTypes: Set<string>;
  division: string; // "" = all
}

export interface FocusRequest {
  ids: string[];
  seq: number;
}

export interface FocusMode {
  id: string;
  hops: number;
}

interface Props {
  model: PulseGraph;
  graph: GraphState;
  filters: Filters;
  highlighted: Set<string>;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
  focus: FocusRequest | null;
  collapsed: Set<string>;
  onExpand: (key: string) => void;
  focusMode: FocusMode | null;
  path: string[] | null;
  canDrag: boolean;
  onMoved: (id: string, p: Point) => void;
  /** Filled with the renderer once it exists (exports, placing new nodes). */
  handle?: MutableRefObject<ViewHandle | null>;
  /** Rings nodes by how they changed ("changes since"): id → added / changed. */
  marks?: Map<string, string>;
  children?: ReactNode;
}

/** What other parts of PulseView may ask of the drawing. */
export interface ViewHandle {
  sigma: Sigma<NodeAttrs>;
  model: PulseGraph;
  /** Ids of the nodes drawn now (filters, focus mode and collapsed groups applied; clusters included). */
  drawnIds: () => string[];
  /** The centre of the view, in stored coordinates. */
  centre: () => Point;
  /** Options for a second renderer drawing this view (an image export): its own label boxes. */
  imageOptions: () => { sigmaSettings: Record<string, unknown>; withTempRenderer: (tmp: Sigma) => void };
}

export function isVisible(node: { type: string; division?: string | null }, filters: Filters): boolean {
  if (filters.hiddenTypes.has(node.type)) return false;
  if (filters.division && (node.division ?? "") !== filters.division) return false;
  return true;
}

const DIM = "#1c2638";
const MARK_COLORS: Record<string, string> = { added: "#4ade80", changed: "#fbbf24" };
// Past this size the graph is drawn with the non-instanced programs (nodes as points, edges as
// 1-px lines, edges and picking skipped while the view moves), hover highlights the neighbours
// without dimming the rest, and hover and selection repaint only the items they touch: a full
// pass over 60,000 items costs ~0.5 s in software WebGL. Smaller graphs keep the bordered look.
const BIG_NODES = 500;
const BIG_EDGES = 1000;
// While a pan or zoom is under way, big graphs are drawn without labels.
const LABELS_HIDDEN_ON_MOVE = 2000;
const BURST_ITEMS = 200;
const BURST_GAP_MS = 600;
// Level of detail for very large graphs: zoomed out further than EDGE_LOD_RATIO, only the edges
// of the selected, hovered or emphasised nodes are drawn (50,000 edges over the whole view are a
// solid blur that costs seconds per frame in software WebGL); zooming in brings every edge back.
const EDGE_LOD = 20_000;
const EDGE_LOD_RATIO = 0.35;
const BorderedNode = createNodeBorderProgram<NodeAttrs>({
  borders: [
    { size: { value: 0.22 }, color: { attribute: "borderColor" } },
    { size: { fill: true }, color: { attribute: "color" } },
  ],
});

interface Box { x1: number; y1: number; x2: number; y2: number }

/** Labels never overprint: each frame, a label that would overlap one already drawn is skipped
 *  (sigma offers them biggest node first), unless it is forced (selected, found, cited). */
function labelDrawer(drawn: Box[]) {
  return (ctx: CanvasRenderingContext2D, data: Record<string, unknown>, settings: { labelSize: number; labelFont: string; labelWeight: string }) => {
    let label = data.label as string | null;
    if (!label) return;
    const forced = !!data.forceLabel;
    if (!forced && label.length > 32) label = label.slice(0, 30) + "…";
    const size = settings.labelSize;
    ctx.font = `${settings.labelWeight} ${size}px ${settings.labelFont}`;
    const w = ctx.measureText(label).width;
    const x = (data.x as number) + (data.size as number) + 3;
    const y = (data.y as number) + size / 3;
    const box = { x1: x - 2, y1: y - size, x2: x + w + 2, y2: y + 3 };
    if (!forced && drawn.some((b) => b.x1 < box.x2 && box.x1 < b.x2 && b.y1 < box.y2 && box.y1 < b.y2)) return;
    drawn.push(box);
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#0b1220";
    ctx.strokeText(label, x, y);
    ctx.fillStyle = "#e2e8f0";
    ctx.fillText(label, x, y);
  };
}

/** The emphasised look (hovered, selected, found): a light ring and the label on a dark plate. */
function drawEmphasis(ctx: CanvasRenderingContext2D, data: Record<string, unknown>, settings: { labelSize: number; labelFont: string; labelWeight: string }) {
  const x0 = data.x as number;
  const y0 = data.y as number;
  const r = data.size as number;
  ctx.beginPath();
  ctx.arc(x0, y0, r + 3, 0, Math.PI * 2);
  ctx.lineWidth = 2;
  ctx.strokeStyle = "#93c5fd";
  ctx.stroke();
  const label = data.label as string | null;
  if (!label) return;
  const size = settings.labelSize;
  ctx.font = `600 ${size}px ${settings.labelFont}`;
  const w = ctx.measureText(label).width;
  const x = x0 + r + 5;
  const y = y0 + size / 3;
  ctx.fillStyle = "#0f172a";
  ctx.fillRect(x - 4, y - size - 1, w + 8, size + 7);
  ctx.strokeRect(x - 4, y - size - 1, w + 8, size + 7);
  ctx.fillStyle = "#f8fafc";
  ctx.fillText(label, x, y);
}

interface View {
  props: Props;
  hovered: string | null;
  hoverSet: Set<string> | null;
  /** Big graphs: the hovered node and its neighbours, highlighted without dimming the rest. */
  lite: Set<string> | null;
  big: boolean;
  /** When the last live batch was applied (performance.now()). */
  lastBatch: number;
  focusSet: Set<string> | null;
  pathEdges: Set<string>;
  emphasis: Set<string> | null;
  scale: number;
  edgeOverview: boolean;
}

/** Node radius in screen px: bigger for important nodes, smaller as the graph grows. */
function sizeScale(count: number): number {
  if (count <= 200) return 1;
  if (count <= 2000) return 0.75;
  return 0.5;
}

function isBig(graph: PulseGraph["graph"]): boolean {
  return graph.order > BIG_NODES || graph.size > BIG_EDGES;
}

/** sigma's own bookkeeping, used to apply a whole batch of graph changes at once. */
interface Internals {
  bindGraphHandlers(): void;
  unbindGraphHandlers(): void;
  removeNode(k: string): void;
  removeEdge(k: string): void;
  clearNodeState(): void;
  clearEdgeState(): void;
}

/**
 * sigma listens to every graphology event and handles each on its own: an added node runs the
 * reducer twice, a dropped one re-indexes the whole graph (500 deletions, 500 full passes). A
 * synced batch is applied with its listeners detached, then the items it touched are refreshed
 * at once: their reducers, and one indexing pass on the next frame.
 */
function applySync(sigma: Sigma<NodeAttrs>, graph: PulseGraph["graph"], report: SyncReport, restyled: boolean, appender: Appender | null) {
  const internals = sigma as unknown as Internals;
  if (report.reset || restyled) {
    if (report.reset) {
      internals.clearNodeState();
      internals.clearEdgeState();
    }
    sigma.refresh({ schedule: true });
    return;
  }
  // Only new nodes (a burst of inserts): appended to the drawing, not re-indexed with it.
  const onlyNewNodes = !report.droppedEdges.length && !report.droppedNodes.length && !report.edges.length && report.nodes.length > 0;
  if (onlyNewNodes && appender && report.nodes.every((k) => sigma.getNodeDisplayData(k) === undefined) && appender.add(report.nodes)) return;
  for (const k of report.droppedEdges) if (!graph.hasEdge(k)) internals.removeEdge(k);
  for (const k of report.droppedNodes) if (!graph.hasNode(k)) internals.removeNode(k);
  sigma.refresh({
    partialGraph: { nodes: report.nodes.filter((k) => graph.hasNode(k)), edges: report.edges.filter((k) => graph.hasEdge(k)) },
    schedule: true,
  });
}

/** Re-run the reducers of a few items and rewrite them in place (no indexing pass). */
function repaint(sigma: Sigma<NodeAttrs>, nodes: Iterable<string>, edges: Iterable<string>) {
  const g = sigma.getGraph();
  const n = [...new Set(nodes)].filter((k) => g.hasNode(k));
  const e = [...new Set(edges)].filter((k) => g.hasEdge(k));
  try {
    sigma.refresh({ partialGraph: { nodes: n, edges: e }, skipIndexation: true, schedule: true });
  } catch {
    sigma.refresh({ schedule: true }); // an item not indexed yet (added this frame): index everything
  }
}

function incident(graph: PulseGraph["graph"], ids: Iterable<string | null>): string[] {
  const out: string[] = [];
  for (const id of ids) if (id && graph.hasNode(id)) graph.forEachEdge(id, (e) => { out.push(e); });
  return out;
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

export function PulseView(props: Props) {
  const { model, graph, collapsed, focus, children, marks, handle: handleRef } = props;
  const container = useRef<HTMLDivElement>(null);
  const sigmaRef = useRef<Sigma<NodeAttrs> | null>(null);
  const appender = useRef<Appender | null>(null);
  const view = useRef<View>({
    props, hovered: null, hoverSet: null, lite: null, big: false, lastBatch: -Infinity, focusSet: null, pathEdges: new Set(), emphasis: null, scale: 1,
    edgeOverview: false,
  });
  // Sigma's handlers outlive a render: they read the latest props from here.
  useLayoutEffect(() => {
    view.current.props = props;
  });

  const nodeVisible = (id: string, node: GraphNode | undefined): boolean => {
    const v = view.current;
    if (id.startsWith(CLUSTER_PREFIX)) return !v.focusSet;
    if (!node || !isVisible(node, v.props.filters) || model.repOf.has(id)) return false;
    return !v.focusSet || v.focusSet.has(id);
  };

  // Keep the graphology graph in step with the live state: one batch, one refresh of what it touched.
  useLayoutEffect(() => {
    const s = sigmaRef.current;
    const internals = s as unknown as Internals | null;
    internals?.unbindGraphHandlers();
    const report = ((): SyncReport | null => {
      try {
        return model.sync(graph, collapsed, Date.now(), { deferEdges: !!s });
      } finally {
        internals?.bindGraphHandlers();
      }
    })();
    const v = view.current;
    const scale = sizeScale(model.graph.order);
    const big = isBig(model.graph);
    // Every node's size or program changes with these: all of them are refreshed.
    const restyled = scale !== v.scale || big !== v.big;
    v.scale = scale;
    v.big = big;
    if (!s) return;
    // The level of detail follows the graph's size here; the camera's, once the view rests.
    const overview = model.graph.size > EDGE_LOD && s.getCamera().getState().ratio > EDGE_LOD_RATIO;
    const lod = overview !== v.edgeOverview && !inMotion(s);
    if (lod) v.edgeOverview = overview;
    if (report) {
      // A big batch, or batches in quick succession (a burst): edges are drawn once it settles.
      const items = report.nodes.length + report.edges.length + report.droppedNodes.length + report.droppedEdges.length;
      const now = performance.now();
      if (big && !report.reset && (items >= BURST_ITEMS || now - v.lastBatch < BURST_GAP_MS)) markBusy(s, BURST_GAP_MS);
      v.lastBatch = now;
      applySync(s, model.graph, report, restyled, appender.current);
      if (report.edgesPending) {
        // The nodes are drawn on the next frame; the edges follow in the task after it.
        const complete = () => {
          const live = sigmaRef.current;
          const guts = live as unknown as Internals | null;
          guts?.unbindGraphHandlers();
          let rest: SyncReport | null;
          try {
            rest = model.completeEdges();
          } finally {
            guts?.bindGraphHandlers();
          }
          if (!live || !rest) return;
          view.current.edgeOverview = model.graph.size > EDGE_LOD && live.getCamera().getState().ratio > EDGE_LOD_RATIO;
          applySync(live, model.graph, rest, false, null);
        };
        s.once("afterRender", () => setTimeout(complete, 0));
        setTimeout(complete, 1500); // no frame drawn (a hidden stage): add them anyway
      }
    } else if (restyled) s.refresh({ schedule: true });
    if (lod && !restyled) repaint(s, [], model.graph.edges());
    // Read at each render; setSetting would also refresh (re-reduce) the whole graph.
    (s as unknown as { settings: { hideLabelsOnMove: boolean } }).settings.hideLabelsOnMove = model.graph.order > LABELS_HIDDEN_ON_MOVE;
  }, [model, graph, collapsed]);

  // Derived sets, recomputed when what is emphasised changes.
  const { highlighted, selectedId, focusMode, path, filters } = props;
  // A live change alone needs none of this: sigma redraws just the nodes and edges it touched.
  const lastEmphasis = useRef<{ selectedId: string | null; rest: unknown[] } | null>(null);
  useEffect(() => {
    const v = view.current;
    // A hovered node that a filter or a collapse just hid gets no leave event: forget it here.
    if (v.hovered && (model.repOf.has(v.hovered) || !model.graph.hasNode(v.hovered))) {
      v.hovered = null;
      v.hoverSet = null;
      v.lite = null;
    }
    v.pathEdges = new Set();
    if (path && path.length > 1) for (let i = 1; i < path.length; i++) v.pathEdges.add(pairKey(path[i - 1], path[i]));
    v.emphasis = path && path.length ? new Set(path) : highlighted.size ? highlighted : v.big ? null : v.hoverSet;
    const rest = [highlighted, path, filters, collapsed, marks];
    const last = lastEmphasis.current;
    lastEmphasis.current = { selectedId, rest };
    const s = sigmaRef.current;
    if (!s) return;
    // Only the selection moved, in a big graph: repaint the two nodes and their edges.
    if (v.big && last && last.rest.every((x, i) => x === rest[i])) {
      repaint(s, [last.selectedId, selectedId].filter((x): x is string => !!x), incident(model.graph, [last.selectedId, selectedId]));
    } else s.refresh();
  }, [model, highlighted, selectedId, path, filters, collapsed, marks]);
  // Focus mode follows the live graph: a new neighbour joins the neighbourhood.
  useEffect(() => {
    view.current.focusSet = focusMode ? model.neighbourhood(focusMode.id, focusMode.hops) : null;
    sigmaRef.current?.refresh();
  }, [model, focusMode, focusMode ? graph : null]); // eslint-disable-line react-hooks/exhaustive-deps -- the graph matters only in focus mode: without it, a live change must not recompute anything

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const drag: { id: string | null; moved: boolean; suppressClickUntil: number } = { id: null, moved: false, suppressClickUntil: 0 };
    const labelBoxes: Box[] = [];
    // The renderer, once built: the edge reducer reads its nodes' reduced data (computed just
    // before, in every refresh) instead of deciding each end's visibility again.
    let built: Sigma<NodeAttrs> | null = null;
    const endShown = (n: string) => {
      // The cache itself: getNodeDisplayData copies the object, 100,000 times a refresh.
      const d = (built as unknown as { nodeDataCache?: Record<string, { hidden?: boolean }> } | null)?.nodeDataCache?.[n];
      return d ? !d.hidden : nodeVisible(n, view.current.props.graph.nodes[n]);
    };
    const sigma = new Sigma<NodeAttrs>(model.graph, el, {
      defaultDrawNodeLabel: labelDrawer(labelBoxes) as never,
      defaultDrawNodeHover: drawEmphasis as never,
      nodeProgramClasses: { bordered: BorderedNode, dot: NodeDotProgram as never },
      edgeProgramClasses: { fine: EdgeFineProgram as never },
      defaultNodeType: "bordered",
      labelColor: { color: "#e2e8f0" },
      labelSize: 12,
      labelFont: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
      labelDensity: 0.5,
      labelGridCellSize: 100,
      labelRenderedSizeThreshold: 7,
      edgeLabelColor: { color: "#e2e8f0" },
      edgeLabelSize: 11,
      renderEdgeLabels: true,
      zIndex: true,
      minCameraRatio: 0.02,
      maxCameraRatio: 4,
      stagePadding: 24,
      // Big graphs skip edges while moving in their own program: sigma's setting would also
      // re-index the whole graph after every drag.
      hideEdgesOnMove: false,
      hideLabelsOnMove: model.graph.order > LABELS_HIDDEN_ON_MOVE,
      nodeReducer: (id, data) => {
        const v = view.current;
        const p = v.props;
        const res: Partial<NodeDisplayData> & Record<string, unknown> = {
          ...data, size: v.scale * (3 + data.importance * 2), type: v.big ? "dot" : "bordered",
        };
        if (!nodeVisible(id, p.graph.nodes[id])) {
          res.hidden = true;
          return res;
        }
        if (data.cluster) res.forceLabel = true;
        if (v.emphasis || v.lite?.has(id)) {
          if (v.emphasis?.has(id) || v.lite?.has(id)) {
            res.highlighted = true;
            res.forceLabel = true;
            res.zIndex = 2;
            res.emphasised = true;
          } else {
            res.color = DIM;
            res.borderColor = DIM;
            res.label = null;
            res.zIndex = 0;
            res.dimmed = true;
          }
        }
        const mark = p.marks?.get(id);
        if (mark && MARK_COLORS[mark] && !res.dimmed) {
          res.borderColor = MARK_COLORS[mark];
          res.mark = mark;
        }
        if (id === p.selectedId) {
          res.highlighted = true;
          res.forceLabel = true;
          res.zIndex = 3;
          res.selected = true;
          res.borderColor = "#ffffff";
        }
        // Big graphs draw emphasised nodes on the hover layer, on top anyway: no depth sorting
        // of every node at each indexing pass.
        if (v.big) res.zIndex = 0;
        return res;
      },
      edgeReducer: (id, data) => {
        const v = view.current;
        const g = model.graph;
        const s = (data.from as string | undefined) ?? g.source(id);
        const t = (data.to as string | undefined) ?? g.target(id);
        const res: Partial<EdgeDisplayData> & Record<string, unknown> = { ...data, label: null, type: v.big ? "fine" : "line" };
        if (!endShown(s) || !endShown(t)) {
          res.hidden = true;
          return res;
        }
        const sel = v.props.selectedId;
        const touches = (n: string | null) => n !== null && (s === n || t === n);
        if (v.pathEdges.size) {
          if (v.pathEdges.has(pairKey(s, t))) {
            res.color = "#fde047";
            res.size = 3;
            res.label = String(data.relation ?? "").replace(/_/g, " ");
            res.forceLabel = v.big;
            res.zIndex = 2;
          } else res.color = DIM;
        } else if (touches(sel) || touches(v.hovered)) {
          res.color = "#e2e8f0";
          res.size = 2;
          res.label = String(data.relation ?? "").replace(/_/g, " ");
          res.forceLabel = v.big;
          res.zIndex = 1;
        } else if (v.emphasis && !(v.emphasis.has(s) && v.emphasis.has(t))) {
          if (v.edgeOverview) res.hidden = true;
          else res.color = DIM;
        } else if (v.edgeOverview && !v.emphasis) {
          res.hidden = true;
        }
        if (v.big) res.zIndex = 0;
        return res;
      },
    });
    sigmaRef.current = sigma;
    built = sigma;
    appender.current = installAppender(sigma as unknown as Sigma);
    // sigma follows window resizes only; the stage also changes size when the toolbar wraps.
    // A stage that shrinks to nothing (the page is being left, signed out) is not drawn: sigma
    // refuses a container without width or height.
    const resized = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => {
      if (el.offsetWidth > 0 && el.offsetHeight > 0) sigma.scheduleRender();
    });
    resized?.observe(el);
    const overview = () => model.graph.size > EDGE_LOD && sigma.getCamera().getState().ratio > EDGE_LOD_RATIO;
    view.current.edgeOverview = overview();
    // Edges are not drawn while the view moves: the level of detail follows once it rests.
    let lodTimer: ReturnType<typeof setTimeout> | null = null;
    const followLod = () => {
      lodTimer = null;
      const next = overview();
      if (next === view.current.edgeOverview) return;
      if (inMotion(sigma)) {
        lodTimer = setTimeout(followLod, 120);
        return;
      }
      view.current.edgeOverview = next;
      repaint(sigma, [], model.graph.edges());
    };
    sigma.getCamera().on("updated", () => {
      if (lodTimer === null && overview() !== view.current.edgeOverview) lodTimer = setTimeout(followLod, 0);
    });
    // Nothing is hovered mid-drag or mid-zoom: no per-move readback of the picking layer (a
    // stall of the whole WebGL pipeline) and no hover repaint in a big graph.
    // sigma looks for edge labels to draw among every edge, at each frame (~0.1 s at 50,000 in
    // software WebGL). Only emphasised edges carry a label here: in a big graph they are marked
    // forceLabel and the search over all edges is skipped.
    const labels = sigma as unknown as { renderEdgeLabels(): unknown; graph: unknown };
    const drawEdgeLabels = labels.renderEdgeLabels.bind(sigma);
    const forcedOnly = { forEachEdge: () => undefined, extremities: (e: string) => model.graph.extremities(e) };
    labels.renderEdgeLabels = () => {
      if (!view.current.big) return drawEdgeLabels();
      const real = labels.graph;
      labels.graph = forcedOnly;
      try {
        return drawEdgeLabels();
      } finally {
        labels.graph = real;
      }
    };
    const picking = sigma as unknown as { getNodeAtPosition(p: { x: number; y: number }): string | null };
    const pickAt = picking.getNodeAtPosition.bind(sigma);
    picking.getNodeAtPosition = (p) => (view.current.big && handMoving(sigma) ? null : pickAt(p));
    sigma.on("beforeRender", () => {
      labelBoxes.length = 0;
    });

    sigma.on("clickNode", ({ node }) => {
      if (Date.now() < drag.suppressClickUntil) return;
      const attrs = model.graph.getNodeAttributes(node);
      if (attrs.cluster) view.current.props.onExpand(attrs.cluster);
      else view.current.props.onSelect(node);
    });
    sigma.on("clickStage", () => view.current.props.onSelect(null));
    sigma.on("enterNode", ({ node }) => {
      const v = view.current;
      const was = v.hovered;
      const before = v.lite;
      v.hovered = node;
      v.hoverSet = new Set([node, ...model.neighbours(node)]);
      el.style.cursor = "pointer";
      if (v.big) {
        v.lite = v.hoverSet;
        repaint(sigma, [...(before ?? []), ...v.lite], incident(model.graph, [was, node]));
        return;
      }
      if (!v.props.highlighted.size && !(v.props.path && v.props.path.length)) v.emphasis = v.hoverSet;
      sigma.refresh();
    });
    sigma.on("leaveNode", () => {
      const v = view.current;
      const was = v.hovered;
      const before = v.lite;
      if (v.emphasis === v.hoverSet) v.emphasis = null;
      v.hovered = null;
      v.hoverSet = null;
      v.lite = null;
      el.style.cursor = "";
      if (v.big) repaint(sigma, before ?? [], incident(model.graph, [was]));
      else sigma.refresh();
    });
    // Drag to move (editors): the camera stays put while a node follows the pointer.
    sigma.on("downNode", ({ node }) => {
      if (!view.current.props.canDrag || node.startsWith(CLUSTER_PREFIX)) return;
      drag.id = node;
      drag.moved = false;
      sigma.setCustomBBox(sigma.getBBox());
    });
    sigma.getMouseCaptor().on("mousemovebody", (e) => {
      if (!drag.id) return;
      const p = sigma.viewportToGraph(e);
      model.move(drag.id, p);
      drag.moved = true;
      e.preventSigmaDefault();
      e.original.preventDefault();
      e.original.stopPropagation();
    });
    const endDrag = () => {
      const id = drag.id;
      drag.id = null;
      if (!id) return;
      if (drag.moved) {
        drag.suppressClickUntil = Date.now() + 300;
        model.pin(id);
        const a = model.graph.getNodeAttributes(id);
        view.current.props.onMoved(id, toStored({ x: a.x, y: a.y }));
      }
      sigma.setCustomBBox(null);
    };
    sigma.getMouseCaptor().on("mouseup", endDrag);

    // A small read-only window onto what is drawn, for tests and the benchmark.
    const hook = {
      ready: () => true,
      drawnIds: () => model.graph.filterNodes((id) => {
        const d = sigma.getNodeDisplayData(id);
        return !!d && !d.hidden;
      }),
      node: (id: string) => {
        const d = sigma.getNodeDisplayData(id) as (NodeDisplayData & Record<string, unknown>) | undefined;
        if (!d || !model.graph.hasNode(id)) return null;
        const a = model.graph.getNodeAttributes(id);
        const box = el.getBoundingClientRect();
        const vp = sigma.graphToViewport({ x: a.x, y: a.y });
        return {
          id, label: a.label, kind: a.kind, health: a.health, borderColor: d.borderColor, color: d.color,
          hidden: !!d.hidden, highlighted: !!d.emphasised, dimmed: !!d.dimmed, selected: !!d.selected,
          mark: (d.mark as string | undefined) ?? null,
          count: a.count ?? null, x: box.left + vp.x, y: box.top + vp.y, size: d.size,
          graphX: a.x, graphY: a.y,
        };
      },
      drawnEdges: () => model.graph.filterEdges((id) => {
        const d = sigma.getEdgeDisplayData(id);
        return !!d && !d.hidden;
      }).length,
      labels: () => [...sigma.getNodeDisplayedLabels()],
      camera: () => sigma.getCamera().getState(),
      sigma,
    };
    (window as unknown as { __pulseview?: unknown }).__pulseview = hook;
    if (handleRef) {
      handleRef.current = {
        sigma, model, drawnIds: hook.drawnIds,
        centre: () => {
          const { width, height } = sigma.getDimensions();
          return toStored(sigma.viewportToGraph({ x: width / 2, y: height / 2 }));
        },
        imageOptions: () => {
          // The second renderer draws more than once (on creation, then with this camera): the
          // label boxes are per frame, as in this view, or its labels would all collide.
          const boxes: Box[] = [];
          return {
            sigmaSettings: { defaultDrawNodeLabel: labelDrawer(boxes) },
            withTempRenderer: (tmp: Sigma) => {
              tmp.on("beforeRender", () => { boxes.length = 0; });
              tmp.refresh();
            },
          };
        },
      };
    }

    return () => {
      if (lodTimer !== null) clearTimeout(lodTimer);
      resized?.disconnect();
      sigma.kill();
      sigmaRef.current = null;
      appender.current = null;
      if (handleRef) handleRef.current = null;
      delete (window as unknown as { __pulseview?: unknown }).__pulseview;
    };
  }, [model]); // eslint-disable-line react-hooks/exhaustive-deps -- sigma is made once per model; what changes later reaches it through view.current

  // Frame the requested nodes (search hits, citations, alerts).
  useEffect(() => {
    const sigma = sigmaRef.current;
    if (!sigma || !focus || focus.ids.length === 0) return;
    const t = setTimeout(() => {
      const pts = focus.ids
        .map((id) => (model.graph.hasNode(id) ? (model.repOf.get(id) ?? id) : null))
        .filter((id): id is string => id !== null && model.graph.hasNode(id))
        .map((id) => sigma.getNodeDisplayData(id))
        .filter((d): d is NodeDisplayData => !!d);
      if (!pts.length) return;
      const xs = pts.map((p) => p.x);
      const ys = pts.map((p) => p.y);
      const extent = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
      const x = (Math.max(...xs) + Math.min(...xs)) / 2;
      const y = (Math.max(...ys) + Math.min(...ys)) / 2;
      void sigma.getCamera().animate({ x, y, ratio: Math.min(1, Math.max(0.35, extent * 1.6)) }, { duration: 450 });
    }, 30);
    return () => clearTimeout(t);
  }, [focus, model]);

  const camera = () => sigmaRef.current?.getCamera();
  const fit = () => {
    // Appended nodes may lie outside the extent the camera frames: index everything first.
    if (appender.current?.stale()) appender.current.reindex();
    void camera()?.animatedReset({ duration: 300 });
  };
  return (
    <div className="pulse">
      <div className="graph-toolbar" role="toolbar" aria-label="Graph view">
        <button type="button" onClick={() => void camera()?.animatedZoom({ duration: 250 })} aria-label="Zoom in" title="Zoom in">+</button>
        <button type="button" onClick={() => void camera()?.animatedUnzoom({ duration: 250 })} aria-label="Zoom out" title="Zoom out">−</button>
        <button type="button" onClick={fit} aria-label="Fit the whole graph" title="Fit view">Fit</button>
        {children}
      </div>
      <div className="sigma-stage" ref={container} role="img" aria-label="Knowledge graph drawing; use the node list to reach nodes by keyboard" data-testid="graph-stage" />
    </div>
  );
}
