import { describe, expect, it } from "vitest";
import { buildSvg, keepLabels, RING, xmlEscape, type SvgNode } from "./svg";

describe("SVG of the view", () => {
  const svg = buildSvg({
    width: 400, height: 300, background: "#0b1220", title: "Graph <1>",
    nodes: [
      { x: 100, y: 100, r: 10, fill: "#60a5fa", ring: "#22c55e", label: "Ada & <Bob>" },
      { x: 200, y: 150, r: 8, fill: "#fbbf24", ring: "#ef4444", label: null },
      { x: 900, y: 150, r: 8, fill: "#fbbf24", ring: "#ef4444", label: "off screen" },
    ],
    edges: [
      { x1: 100, y1: 100, x2: 200, y2: 150, color: "#94a3b8", width: 1.5 },
      { x1: 500, y1: 10, x2: 600, y2: 20, color: "#94a3b8", width: 1 },
    ],
  });

  it("is a well-formed SVG document of the viewport's size", () => {
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300">')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain('<rect width="100%" height="100%" fill="#0b1220"/>');
  });
  it("draws each on-screen node as its ring and fill, and skips what is off screen", () => {
    expect(svg).toContain('<circle cx="100" cy="100" r="10" fill="#22c55e"/>');
    expect(svg).toContain(`<circle cx="100" cy="100" r="${Math.round(10 * (1 - RING) * 10) / 10}" fill="#60a5fa"/>`);
    expect((svg.match(/<circle /g) ?? []).length).toBe(4);
    expect(svg).not.toContain("off screen");
    expect((svg.match(/<line /g) ?? []).length).toBe(1);
  });
  it("escapes labels and the title", () => {
    expect(svg).toContain(">Ada &amp; &lt;Bob&gt;</text>");
    expect(svg).toContain("<title>Graph &lt;1&gt;</title>");
    expect(xmlEscape("a\u0001b")).toBe("ab");
  });
  it("refuses colours that are not colours", () => {
    const bad = buildSvg({ width: 10, height: 10, background: '"/><script>', nodes: [], edges: [] });
    expect(bad).not.toContain("<script>");
  });
});

describe("labels in the SVG", () => {
  it("drop one that would overlap a bigger node's label, unless forced", () => {
    const n = (x: number, r: number, label: string, forced = false): SvgNode => ({ x, y: 100, r, fill: "#000", ring: "#000", label, forced });
    const nodes = [n(100, 5, "small overlapping"), n(95, 9, "big one"), n(400, 5, "far away"), n(250, 3, "selected", true), n(255, 9, "under the selected")];
    keepLabels(nodes, (t) => t.length * 7, 12);
    expect(nodes.map((x) => x.label)).toEqual([null, "big one", "far away", "selected", null]);
  });
});
