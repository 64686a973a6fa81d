// The current view as SVG, written from what sigma draws: each drawn node and edge at its
// position in the camera's viewport, in its drawn colour and size, with the labels sigma shows.
// (sigma's own export-image makes bitmaps only; graphology-svg renders a whole graph in Node
// from its own attributes, not the viewport, so neither does this.)
import type Sigma from "sigma";

export interface SvgNode { x: number; y: number; r: number; fill: string; ring: string; label?: string | null; forced?: boolean }
export interface SvgEdge { x1: number; y1: number; x2: number; y2: number; color: string; width: number }
export interface SvgScene {
  width: number;
  height: number;
  background: string;
  nodes: SvgNode[];
  edges: SvgEdge[];
  font?: string;
  fontSize?: number;
  title?: string;
}

/** The ring of a node, as a share of its radius (PulseView's bordered node program). */
export const RING = 0.22;

export function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;")
    // characters XML 1.0 does not allow at all
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, "");
}

const num = (v: number) => (Math.round(v * 10) / 10).toString();
const colour = (c: string) => (/^(#[0-9a-fA-F]{3,8}|rgba?\([\d\s.,%]+\)|[a-zA-Z]+)$/.test(c) ? c : "#888888");

function onScreen(x: number, y: number, margin: number, w: number, h: number): boolean {
  return x >= -margin && y >= -margin && x <= w + margin && y <= h + margin;
}

export function buildSvg(scene: SvgScene): string {
  const { width: w, height: h } = scene;
  const font = xmlEscape(scene.font ?? "system-ui, sans-serif");
  const size = scene.fontSize ?? 12;
  const parts: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
  ];
  if (scene.title) parts.push(`<title>${xmlEscape(scene.title)}</title>`);
  parts.push(`<rect width="100%" height="100%" fill="${colour(scene.background)}"/>`, `<g stroke-linecap="round">`);
  for (const e of scene.edges) {
    // An edge with both ends off the same side of the view cannot cross it.
    if ((e.x1 < 0 && e.x2 < 0) || (e.y1 < 0 && e.y2 < 0) || (e.x1 > w && e.x2 > w) || (e.y1 > h && e.y2 > h)) continue;
    parts.push(`<line x1="${num(e.x1)}" y1="${num(e.y1)}" x2="${num(e.x2)}" y2="${num(e.y2)}" stroke="${colour(e.color)}" stroke-width="${num(Math.max(e.width, 0.5))}"/>`);
  }
  parts.push(`</g>`, `<g>`);
  const labels: string[] = [];
  for (const n of scene.nodes) {
    if (!onScreen(n.x, n.y, n.r + 2, w, h)) continue;
    parts.push(`<circle cx="${num(n.x)}" cy="${num(n.y)}" r="${num(n.r)}" fill="${colour(n.ring)}"/>`);
    parts.push(`<circle cx="${num(n.x)}" cy="${num(n.y)}" r="${num(n.r * (1 - RING))}" fill="${colour(n.fill)}"/>`);
    if (n.label) {
      labels.push(`<text x="${num(n.x + n.r + 3)}" y="${num(n.y + size / 3)}">${xmlEscape(n.label)}</text>`);
    }
  }
  parts.push(`</g>`);
  if (labels.length) {
    parts.push(`<g font-family="${font}" font-size="${size}" fill="#e2e8f0" stroke="#0b1220" stroke-width="3" paint-order="stroke">`, ...labels, `</g>`);
  }
  parts.push(`</svg>`);
  return parts.join("\n") + "\n";
}

/**
 * Labels as the canvas shows them: one that would overlap a label already placed is dropped
 * (forced ones first, then bigger nodes first), unless it is forced (selected, found, on a path).
 */
export function keepLabels(nodes: SvgNode[], width: (text: string) => number, size: number): void {
  const placed: { x1: number; y1: number; x2: number; y2: number }[] = [];
  const order = nodes.filter((n) => n.label).sort((a, b) => Number(!!b.forced) - Number(!!a.forced) || b.r - a.r);
  for (const n of order) {
    const x = n.x + n.r + 3;
    const y = n.y + size / 3;
    const box = { x1: x - 2, y1: y - size, x2: x + width(n.label!) + 2, y2: y + 3 };
    if (!n.forced && placed.some((b) => b.x1 < box.x2 && box.x1 < b.x2 && b.y1 < box.y2 && box.y1 < b.y2)) {
      n.label = null;
      continue;
    }
    placed.push(box);
  }
}

/** The scene sigma has drawn: only the ids given (the drawn ones), in viewport pixels. */
export function sceneFromSigma(sigma: Sigma, drawn: string[], background: string, title?: string): SvgScene {
  const { width, height } = sigma.getDimensions();
  const shown = sigma.getNodeDisplayedLabels();
  const graph = sigma.getGraph();
  const at = new Map<string, { x: number; y: number }>();
  const nodes: SvgNode[] = [];
  const ordered = drawn
    .map((id) => ({ id, d: sigma.getNodeDisplayData(id) as (ReturnType<Sigma["getNodeDisplayData"]> & { borderColor?: string }) | undefined }))
    .filter((n): n is { id: string; d: NonNullable<typeof n.d> } => !!n.d && !n.d.hidden)
    .sort((a, b) => (a.d.zIndex ?? 0) - (b.d.zIndex ?? 0));
  for (const { id, d } of ordered) {
    const p = sigma.framedGraphToViewport(d);
    at.set(id, p);
    let label = shown.has(id) || d.forceLabel ? d.label : null;
    if (label && !d.forceLabel && label.length > 32) label = label.slice(0, 30) + "…";
    nodes.push({ x: p.x, y: p.y, r: sigma.scaleSize(d.size), fill: d.color, ring: d.borderColor ?? d.color, label, forced: !!d.forceLabel });
  }
  const font = String(sigma.getSetting("labelFont"));
  const fontSize = Number(sigma.getSetting("labelSize"));
  const ctx = document.createElement("canvas").getContext("2d");
  if (ctx) ctx.font = `${fontSize}px ${font}`;
  keepLabels(nodes, (t) => (ctx ? ctx.measureText(t).width : t.length * fontSize * 0.6), fontSize);
  const edges: (SvgEdge & { z: number })[] = [];
  graph.forEachEdge((key, _attrs, source, target) => {
    const a = at.get(source);
    const b = at.get(target);
    if (!a || !b) return;
    const d = sigma.getEdgeDisplayData(key);
    if (!d || d.hidden) return;
    edges.push({ x1: a.x, y1: a.y, x2: b.x, y2: b.y, color: d.color, width: sigma.scaleSize(d.size), z: d.zIndex ?? 0 });
  });
  edges.sort((p, q) => p.z - q.z);
  return { width, height, background, nodes, edges, title, font, fontSize };
}
