/** Size of a task's box in the graph, in CSS pixels: room for its id, agent and status line. */
export const NODE_WIDTH_PX = 220;
export const NODE_HEIGHT_PX = 78;
/** Room around the drawing, and between boxes of one level and between levels, in CSS pixels. */
export const MARGIN_PX = 24;
export const NODE_GAP_PX = 28;
export const LEVEL_GAP_PX = 56;

export interface GraphPoint {
  readonly x: number;
  readonly y: number;
}

/** A dependency drawn from the task needed (`from`) to the task needing it (`to`). */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly points: readonly GraphPoint[];
}

/** Where everything of a task graph is drawn; dependencies point down (`TB`) or right (`LR`). */
export interface TaskGraphLayout {
  readonly direction: 'TB' | 'LR';
  readonly width: number;
  readonly height: number;
  /** Top-left corner of each task's box. */
  readonly nodes: ReadonlyMap<string, GraphPoint>;
  readonly edges: readonly GraphEdge[];
}

/** What the layout needs of a task. */
export interface GraphTask {
  readonly taskId: string;
  readonly dependencies: readonly string[];
}
