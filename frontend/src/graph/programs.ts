// WebGL programs for large graphs. In software WebGL (SwiftShader: headless Chromium, machines
// without a GPU) an instanced draw costs ~20 µs per instance whatever its size, so sigma's default
// instanced programs spend ~1 s a frame on 50,000 edges (even hidden ones) and ~0.2 s on 10,000
// bordered nodes. These draw the same items without instancing: a node is one point (its fill and
// health ring drawn in the fragment shader), an edge one 1-px line. They also skip work while the
// view moves (edges, and the picking pass nobody reads mid-drag), then draw once it stops.
import { EdgeLineProgram, NodeProgram, type ProgramInfo } from "sigma/rendering";
import type { NodeDisplayData, RenderParams } from "sigma/types";
import { floatColor } from "sigma/utils";

// WebGL enums (WebGLRenderingContext is not defined outside a browser).
const POINTS = 0;
const FLOAT = 5126;
const UNSIGNED_BYTE = 5121;

/** Share of a node's radius its health ring takes, as the bordered program draws it. */
const RING = 0.22;
/** How often a moved view is checked for having come to rest (ms). */
const SETTLE_MS = 120;

interface Captor { isMoving: boolean; draggedEvents: number; currentWheelDirection: number; isMouseDown: boolean }
/** The part of a renderer these need (any Sigma, whatever its attribute types). */
export interface Viewer {
  getMouseCaptor(): unknown;
  getCamera(): { isAnimated(): boolean };
  scheduleRender(): unknown;
}

const busyUntil = new WeakMap<Viewer, number>();
const clock = () => (typeof performance !== "undefined" ? performance.now() : Date.now());

/** A burst of live changes is being drawn: edges wait until it settles, as for a moving view
 *  (each batch would otherwise redraw every edge). */
export function markBusy(renderer: Viewer, ms: number): void {
  busyUntil.set(renderer, clock() + ms);
}

/** The view is being panned or zoomed (by hand or an animation), as sigma's own "moving" test. */
export function inMotion(renderer: Viewer): boolean {
  const captor = renderer.getMouseCaptor() as unknown as Captor;
  return renderer.getCamera().isAnimated() || captor.isMoving || captor.draggedEvents > 0 || captor.currentWheelDirection !== 0;
}

function busy(renderer: Viewer): boolean {
  return inMotion(renderer) || (busyUntil.get(renderer) ?? 0) > clock();
}

/** A drag of the view or a wheel zoom is under way (not a node drag: that prevents sigma's pan). */
export function handMoving(renderer: Viewer): boolean {
  const captor = renderer.getMouseCaptor() as unknown as Captor;
  return (captor.isMouseDown && captor.draggedEvents > 0) || captor.currentWheelDirection !== 0;
}

/** Calls `done` once the view has stopped moving (polled, so it also covers sigma's own timers). */
class Settle {
  private timer: ReturnType<typeof setTimeout> | null = null;
  constructor(private renderer: Viewer) {}
  arm(): void {
    if (this.timer !== null) return;
    const check = () => {
      if (busy(this.renderer)) this.timer = setTimeout(check, SETTLE_MS);
      else {
        this.timer = null;
        this.renderer.scheduleRender();
      }
    };
    this.timer = setTimeout(check, SETTLE_MS);
  }
  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

const VERTEX = /* glsl */ `
attribute vec4 a_id;
attribute vec4 a_color;
attribute vec4 a_ring;
attribute vec2 a_position;
attribute float a_size;

uniform float u_sizeRatio;
uniform float u_pixelRatio;
uniform mat3 u_matrix;

varying vec4 v_color;
varying vec4 v_ring;
varying float v_feather;

const float bias = 255.0 / 254.0;

void main() {
  gl_Position = vec4((u_matrix * vec3(a_position, 1)).xy, 0, 1);
  gl_PointSize = a_size / u_sizeRatio * u_pixelRatio * 2.0;
  v_feather = (0.5 / a_size) * u_sizeRatio;
  #ifdef PICKING_MODE
  v_color = a_id;
  #else
  v_color = a_color;
  v_ring = a_ring;
  v_ring.a *= bias;
  #endif
  v_color.a *= bias;
}
`;

const FRAGMENT = /* glsl */ `
precision mediump float;

varying vec4 v_color;
varying vec4 v_ring;
varying float v_feather;

const vec4 transparent = vec4(0.0, 0.0, 0.0, 0.0);
const float fill = 0.5 * (1.0 - ${RING.toFixed(2)});

void main(void) {
  float r = length(gl_PointCoord - vec2(0.5, 0.5));
  float dist = 0.5 - r;
  #ifdef PICKING_MODE
  gl_FragColor = dist > v_feather ? v_color : transparent;
  #else
  vec4 c = mix(v_color, v_ring, smoothstep(fill - v_feather, fill, r));
  float t = dist > v_feather ? 1.0 : (dist > 0.0 ? dist / v_feather : 0.0);
  gl_FragColor = mix(transparent, c, t);
  #endif
}
`;

type Uniform = "u_sizeRatio" | "u_pixelRatio" | "u_matrix";

/** A node as one point: fill `color`, health ring `borderColor` (the bordered program's look). */
export class NodeDotProgram extends NodeProgram<Uniform> {
  private settle = new Settle(this.renderer);

  getDefinition() {
    return {
      VERTICES: 1,
      VERTEX_SHADER_SOURCE: VERTEX,
      FRAGMENT_SHADER_SOURCE: FRAGMENT,
      METHOD: POINTS,
      UNIFORMS: ["u_sizeRatio", "u_pixelRatio", "u_matrix"] as const,
      ATTRIBUTES: [
        { name: "a_position", size: 2, type: FLOAT },
        { name: "a_size", size: 1, type: FLOAT },
        { name: "a_color", size: 4, type: UNSIGNED_BYTE, normalized: true },
        { name: "a_ring", size: 4, type: UNSIGNED_BYTE, normalized: true },
        { name: "a_id", size: 4, type: UNSIGNED_BYTE, normalized: true },
      ],
    };
  }

  processVisibleItem(nodeIndex: number, i: number, data: NodeDisplayData): void {
    const a = this.array;
    a[i++] = data.x;
    a[i++] = data.y;
    a[i++] = data.size;
    a[i++] = floatColor(data.color);
    a[i++] = floatColor(((data as unknown as { borderColor?: string }).borderColor) ?? data.color);
    a[i] = nodeIndex;
  }

  setUniforms({ sizeRatio, pixelRatio, matrix }: RenderParams, { gl, uniformLocations }: ProgramInfo): void {
    gl.uniform1f(uniformLocations.u_pixelRatio, pixelRatio);
    gl.uniform1f(uniformLocations.u_sizeRatio, sizeRatio);
    gl.uniformMatrix3fv(uniformLocations.u_matrix, false, matrix);
  }

  /** While the view moves the picking pass (half the cost) is skipped: no hover is looked up then. */
  render(params: RenderParams): void {
    if (this.pickProgram && inMotion(this.renderer)) {
      const pick = this.pickProgram;
      this.pickProgram = null;
      try {
        super.render(params);
      } finally {
        this.pickProgram = pick;
      }
      this.settle.arm();
      return;
    }
    super.render(params);
  }

  kill(): void {
    this.settle.cancel();
    super.kill();
  }
}

/** Edges as 1-px lines, not drawn while the view moves (a moving view needs the shape, not the
 *  links) or a burst of changes is drawn. */
export class EdgeFineProgram extends EdgeLineProgram {
  private settle = new Settle(this.renderer);

  render(params: RenderParams): void {
    if (busy(this.renderer)) {
      this.settle.arm();
      return;
    }
    super.render(params);
  }

  kill(): void {
    this.settle.cancel();
    super.kill();
  }
}
