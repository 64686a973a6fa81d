// While the past is on screen every view is read-only; views that offer writes can say why.
import { createContext, useContext } from "react";

/** The moment being viewed (ms), or null: the live graph. */
export const ViewingPastContext = createContext<number | null>(null);

export function useViewingPast(): number | null {
  return useContext(ViewingPastContext);
}
