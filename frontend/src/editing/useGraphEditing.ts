// The editing state PulseView shares between the graph and the side panel: a new node being
// written, and an edge being drawn from one node to the next one clicked.
import { useCallback, useState } from "react";

export interface Connecting { from: string; to: string | null }

export interface GraphEditing {
  creating: boolean;
  setCreating: (on: boolean) => void;
  connecting: Connecting | null;
  startConnect: (from: string) => void;
  setConnectTo: (to: string | null) => void;
  stopConnect: () => void;
  /** A node click while an edge is being drawn picks its other end (true: the click is used). */
  intercept: (id: string | null) => boolean;
}

export function useGraphEditing(): GraphEditing {
  const [creating, setCreating] = useState(false);
  const [connecting, setConnecting] = useState<Connecting | null>(null);
  const startConnect = useCallback((from: string) => setConnecting({ from, to: null }), []);
  const stopConnect = useCallback(() => setConnecting(null), []);
  const setConnectTo = useCallback((to: string | null) => setConnecting((c) => (c ? { ...c, to } : c)), []);
  const intercept = useCallback((id: string | null) => {
    if (!connecting || !id || id === connecting.from) return false;
    setConnecting({ ...connecting, to: id });
    return true;
  }, [connecting]);
  return { creating, setCreating, connecting, startConnect, setConnectTo, stopConnect, intercept };
}
