// NEXUS PulseView: the live graph with its side panels.
import { lazy, Suspense, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { api, errorText } from "./api/client";
import { AuthContext, useAuth } from "./auth/context";
import { OPEN_ACCESS_TEXT } from "./auth/types";
import { UserMenu } from "./auth/UserMenu";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { Legend } from "./components/Legend";
import { SearchBox } from "./components/SearchBox";
import { ConnectionIndicator, ErrorNote, HealthBanner, Loading } from "./components/Status";
import { useNotifications } from "./components/useNotifications";
import { NodeList } from "./components/NodeList";
import { NodeDirectoryContext } from "./components/NodeRef";
import { placeNewNode } from "./editing/placement";
import { useGraphEditing } from "./editing/useGraphEditing";
import { ExportMenu } from "./export/ExportMenu";
import { countsText, groupKey, groupName, GROUP_LEVELS, type GroupLevel, type Point } from "./graph/model";
import { PulseGraph } from "./graph/pulseGraph";
import { isVisible, PulseView, type Filters, type FocusMode, type FocusRequest, type ViewHandle } from "./graph/PulseView";
import { tallyGroups, unacknowledged } from "./graph/reducer";
import { useLiveGraph } from "./graph/useLiveGraph";
import { LiveChangesContext } from "./realtime/useTableChanges";
import { ViewingPastContext } from "./timeline/context";
import { PastNode } from "./timeline/PastNode";
import { Timeline } from "./timeline/Timeline";
import { useChangesSince } from "./timeline/useChangesSince";
import { useTimeline } from "./timeline/useTimeline";

const NodeDetails = lazy(() => import("./panels/NodeDetails"));
const NotificationsPanel = lazy(() => import("./panels/NotificationsPanel"));
const InfoDropPanel = lazy(() => import("./panels/InfoDropPanel"));
const AskPanel = lazy(() => import("./panels/AskPanel"));
const ImmunePanel = lazy(() => import("./panels/ImmunePanel"));
const TasksPanel = lazy(() => import("./panels/TasksPanel"));
const WorkersPanel = lazy(() => import("./panels/WorkersPanel"));
const UsagePanel = lazy(() => import("./panels/UsagePanel"));
const NodeForm = lazy(() => import("./editing/NodeForm"));
const ChangesPanel = lazy(() => import("./timeline/ChangesPanel"));

type Tab = "node" | "nodes" | "notifications" | "drop" | "ask" | "immune" | "workers" | "tasks" | "usage" | "changes";
const TABS: { id: Tab; label: string }[] = [
  { id: "node", label: "Node" },
  { id: "nodes", label: "Nodes" },
  { id: "notifications", label: "Notifications" },
  { id: "drop", label: "Info Drop" },
  { id: "ask", label: "Ask" },
  { id: "immune", label: "Immune" },
  { id: "workers", label: "Workers" },
  { id: "tasks", label: "Tasks" },
  { id: "usage", label: "Usage" },
  { id: "changes", label: "Changes" },
];

export default function App() {
  const live = useLiveGraph();
  // Panels beyond the graph (alerts, tasks) refetch from these when their tables change.
  const liveChanges = useMemo(() => ({ listen: live.listen, reconnects: live.reconnects }), [live.listen, live.reconnects]);
  // Time travel: while a past moment is viewed, its graph is what every view shows (read-only).
  const timeline = useTimeline();
  const past = timeline.asOf;
  const graph = timeline.graph ?? live.graph;
  const [filters, setFilters] = useState<Filters>({ hiddenTypes: new Set(), division: "" });
  const [highlighted, setHighlighted] = useState<Set<string>>(new Set());
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [focus, setFocus] = useState<FocusRequest | null>(null);
  const model = useMemo(() => new PulseGraph(), []);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [focusMode, setFocusMode] = useState<FocusMode | null>(null);
  const [pathFrom, setPathFrom] = useState<string | null>(null);
  const [path, setPath] = useState<{ from: string; to: string; ids: string[] | null } | null>(null);
  const [moveError, setMoveError] = useState<string | null>(null);
  const editing = useGraphEditing();
  const viewRef = useRef<ViewHandle | null>(null);
  const listInput = useRef<HTMLInputElement>(null);
  const detailsRef = useRef<HTMLDivElement>(null);
  const [tab, setTabState] = useState<Tab>("node");
  const [visited, setVisited] = useState<Set<Tab>>(new Set(["node"]));
  const setTab = useCallback((t: Tab) => {
    setTabState(t);
    setVisited((v) => (v.has(t) ? v : new Set(v).add(t)));
  }, []);
  const auth = useAuth();
  const readOnlyAuth = useMemo(() => (past === null ? auth : { ...auth, canWrite: false }), [auth, past]);
  const changes = useChangesSince(auth.user.username, visited.has("changes") && tab === "changes", live.graph.version);
  const PERSON_KEY = `nexus.person.${auth.user.username}`;
  // A viewer sees only their own notifications (the API filters anyway); an editor picks anyone.
  const ownPerson = auth.user.person_id;
  const fixedPerson = !auth.canWrite;
  const [chosenPerson, setPersonId] = useState<string | null>(() => localStorage.getItem(PERSON_KEY) ?? ownPerson);
  const personId = fixedPerson ? ownPerson : chosenPerson;
  const notifications = useNotifications(personId, live.listen, live.reconnects);
  const unread = unacknowledged(notifications.items);

  useEffect(() => {
    if (fixedPerson) return;
    if (chosenPerson) localStorage.setItem(PERSON_KEY, chosenPerson);
    else localStorage.removeItem(PERSON_KEY);
  }, [chosenPerson, fixedPerson, PERSON_KEY]);

  // The node list follows the graph at low priority: during a burst of live changes React keeps
  // the previous list and works it out once the burst pauses, while the drawing and the totals
  // (the reducer's tally) follow every batch. The pickers' people are kept by the reducer.
  const settledNodes = useDeferredValue(graph.nodes);
  const persons = graph.people;
  const groups = useMemo(() => tallyGroups(graph.tally), [graph.tally]);
  const divisions = useMemo(() => [...new Set(groups.map((g) => g.division).filter((d) => !!d))].sort(), [groups]);
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const g of groups) c[g.type] = (c[g.type] ?? 0) + g.count;
    return c;
  }, [groups]);

  const focusNodes = useCallback((ids: string[]) => {
    setHighlighted(new Set(ids));
    if (ids.length === 0) return;
    // A focused node hidden by a filter would be invisible: drop the filters that hide it.
    setFilters((f) => (ids.some((id) => graph.nodes[id] && !isVisible(graph.nodes[id], f)) ? { hiddenTypes: new Set(), division: "" } : f));
    setFocus((prev) => ({ ids, seq: (prev?.seq ?? 0) + 1 }));
  }, [graph.nodes]);

  const selectNode = useCallback((id: string | null) => {
    setSelectedId(id);
    if (id) setTab("node");
    else {
      // A click on the empty canvas clears every emphasis: nothing stays dimmed.
      setHighlighted(new Set());
      setPath(null);
      setPathFrom(null);
    }
  }, [setTab]);

  // Choosing the second end of a path: the next selected node.
  const pick = useCallback((id: string | null) => {
    if (past === null && editing.intercept(id)) return; // the other end of an edge being drawn
    if (!id) editing.stopConnect();
    if (id && pathFrom && id !== pathFrom) {
      setPath({ from: pathFrom, to: id, ids: model.shortestPath(pathFrom, id) });
      setPathFrom(null);
      setHighlighted(new Set());
    }
    selectNode(id);
  }, [pathFrom, model, selectNode, editing, past]);

  const collapse = useCallback((key: string) => setCollapsed((c) => new Set(c).add(key)), []);
  const expand = useCallback((key: string) => setCollapsed((c) => {
    const next = new Set(c);
    next.delete(key);
    return next;
  }), []);
  const collapseAll = (level: GroupLevel | "") => {
    if (!level) return setCollapsed(new Set());
    const keys = new Set<string>();
    for (const n of Object.values(graph.nodes)) {
      const k = groupKey(n, level);
      if (k) keys.add(k);
    }
    setCollapsed(keys);
  };

  const onMoved = useCallback((id: string, p: Point) => {
    setMoveError(null);
    api(`/api/nodes/${encodeURIComponent(id)}`, { method: "PATCH", json: { x: p.x, y: p.y } })
      .catch((e) => setMoveError(`Could not save the new position: ${errorText(e)}`));
  }, []);

  const cite = useCallback((id: string) => {
    setSelectedId(id);
    focusNodes([id]);
  }, [focusNodes]);

  const openNode = useCallback((id: string) => { pick(id); focusNodes([id]); }, [pick, focusNodes]);
  // A removed node from the Changes list: view the past, then select it once that graph is drawn.
  const [pastFocus, setPastFocus] = useState<string | null>(null);
  const { goTo } = timeline;
  const showRemoved = useCallback((id: string, at: number) => { goTo(at, true); setPastFocus(id); }, [goTo]);
  useEffect(() => {
    if (pastFocus && timeline.graph?.nodes[pastFocus]) {
      // eslint-disable-next-line react-hooks/set-state-in-effect -- the past graph arrives on its own time (a read): selecting the node once it is drawn is an effect's job
      setPastFocus(null);
      openNode(pastFocus);
    }
  }, [pastFocus, timeline.graph, openNode]);
  const directory = useMemo(() => ({ nodes: graph.nodes, people: graph.people, open: openNode }), [graph.nodes, graph.people, openNode]);

  const visibleCount = groups.reduce((sum, g) => sum + (isVisible(g, filters) ? g.count : 0), 0);
  const label = (id: string) => graph.nodes[id]?.label ?? id;
  const selected = selectedId ? graph.nodes[selectedId] : undefined;

  const skipToList = (e: React.MouseEvent) => {
    e.preventDefault();
    setTab("nodes");
    setTimeout(() => listInput.current?.focus(), 0);
  };

  const tools = selected && (
    <div className="node-tools" role="group" aria-label="Explore from this node">
      <div className="row">
        <label className="inline-field">
          <span>Focus</span>
          <select
            aria-label="Focus mode: neighbourhood to show"
            value={focusMode?.id === selected.id ? String(focusMode.hops) : "0"}
            onChange={(e) => setFocusMode(Number(e.target.value) ? { id: selected.id, hops: Number(e.target.value) } : null)}
          >
            <option value="0">whole graph</option>
            <option value="1">1 hop</option>
            <option value="2">2 hops</option>
            <option value="3">3 hops</option>
          </select>
        </label>
        <button type="button" onClick={() => { setPathFrom(selected.id); setPath(null); }} aria-pressed={pathFrom === selected.id}>
          Path from here…
        </button>
      </div>
      <div className="row">
        {GROUP_LEVELS.map((level) => {
          const key = groupKey(selected, level);
          return key && (
            <button key={level} type="button" onClick={() => collapse(key)} disabled={collapsed.has(key)}>
              Collapse {level} {groupName(key)}
            </button>
          );
        })}
      </div>
    </div>
  );

  return (
    <NodeDirectoryContext.Provider value={directory}>
      <div className="app">
        <a href="#side-panel" className="skip-link" onClick={skipToList}>Skip to the node list</a>
        <header className="topbar">
          <h1>NEXUS <span className="muted">PulseView</span></h1>
          <SearchBox nodes={graph.nodes} onResults={focusNodes} onPick={(id) => { selectNode(id); focusNodes([id]); setTimeout(() => detailsRef.current?.querySelector<HTMLElement>("h2")?.focus(), 50); }} />
          <div className="topbar-right">
            <ConnectionIndicator status={live.status} transport={live.transport?.kind} />
            <button
              type="button"
              className="bell"
              onClick={() => setTab("notifications")}
              aria-label={personId ? `${unread} unread notifications` : "Notifications (choose a person)"}
              data-testid="notification-badge-button"
            >
              <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
                <path d="M18 8a6 6 0 1 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
                <path d="M13.7 21a2 2 0 0 1-3.4 0" />
              </svg>
              {unread > 0 && <span className="badge" data-testid="notification-badge">{unread}</span>}
            </button>
            <UserMenu />
          </div>
        </header>
        {auth.open && <div className="banner banner-open" role="alert" data-testid="open-access-banner">{OPEN_ACCESS_TEXT}</div>}
        <HealthBanner />
        <main className="layout">
          <section className="graph-area" aria-label="Live knowledge graph">
            <Legend filters={filters} divisions={divisions} counts={counts} onChange={setFilters} />
            <Timeline timeline={timeline} onChanges={() => setTab("changes")} />
            <div className="graph-canvas" data-testid="graph" data-node-count={graph.tally.nodes} data-visible-count={visibleCount}>
              {live.loading && <div className="overlay"><Loading what="graph" /></div>}
              {live.error && <div className="overlay"><ErrorNote message={live.error} onRetry={live.reload} /></div>}
              {!live.loading && !live.error && graph.tally.nodes === 0 && (
                <div className="overlay"><p className="state-empty">The graph is empty. Seed it with <code>make run</code> or add nodes through the API.</p></div>
              )}
              <ErrorBoundary what="graph view">
              <PulseView
                model={model} graph={graph} filters={filters} highlighted={highlighted} selectedId={selectedId}
                onSelect={pick} focus={focus} collapsed={collapsed} onExpand={expand} focusMode={focusMode}
                path={path?.ids ?? null} canDrag={auth.canWrite && past === null} onMoved={onMoved} handle={viewRef}
                marks={past === null && tab === "changes" ? changes.marks : undefined}
              >
                {auth.canWrite && past === null && (
                  <button type="button" onClick={() => { editing.setCreating(true); setTab("node"); }} aria-pressed={editing.creating}>New node</button>
                )}
                <ExportMenu view={viewRef} nodes={graph.nodes} edges={graph.edges} />
                <span className="graph-counts" data-testid="graph-counts">{countsText(graph.tally.nodes, graph.tally.edges)}</span>
                <label className="inline-field">
                  <span className="sr-only">Collapse groups</span>
                  <select aria-label="Collapse groups" value="" onChange={(e) => collapseAll(e.target.value as GroupLevel | "")}>
                    <option value="" disabled>Collapse…</option>
                    <option value="division">every division</option>
                    <option value="department">every department</option>
                    <option value="team">every team</option>
                  </select>
                </label>
                {collapsed.size > 0 && (
                  <button type="button" onClick={() => setCollapsed(new Set())} data-testid="expand-all">Expand all ({collapsed.size})</button>
                )}
                {focusMode && (
                  <span className="graph-note" data-testid="focus-note">
                    Focus: {label(focusMode.id)}, {focusMode.hops} {focusMode.hops === 1 ? "hop" : "hops"}
                    <button type="button" onClick={() => setFocusMode(null)}>Show all</button>
                  </span>
                )}
                {pathFrom && <span className="graph-note" role="status">Path from {label(pathFrom)}: select the other end</span>}
                {path && (
                  <span className="graph-note" data-testid="path-note" role="status">
                    {path.ids ? `Path (${path.ids.length - 1} ${path.ids.length === 2 ? "hop" : "hops"}): ${path.ids.map(label).join(" → ")}` : `No path between ${label(path.from)} and ${label(path.to)}`}
                    <button type="button" onClick={() => setPath(null)}>Clear path</button>
                  </span>
                )}
                {editing.connecting && past === null && (
                  <span className="graph-note" role="status" data-testid="connect-note">
                    Connect {label(editing.connecting.from)}: {editing.connecting.to ? `to ${label(editing.connecting.to)}` : "click the other node"}
                    <button type="button" onClick={editing.stopConnect}>Cancel</button>
                  </span>
                )}
                {moveError && <span className="graph-note state-error" role="alert">{moveError}</span>}
              </PulseView>
              </ErrorBoundary>
            </div>
          </section>
          <aside className="side" aria-label="Panels">
            <div role="tablist" aria-label="Panels" className="tabs">
              {TABS.map((t) => (
                <button
                  key={t.id}
                  id={`tab-${t.id}`}
                  role="tab"
                  type="button"
                  aria-selected={tab === t.id}
                  aria-controls="side-panel"
                  className={tab === t.id ? "tab active" : "tab"}
                  onClick={() => setTab(t.id)}
                >
                  {t.label}
                  {t.id === "notifications" && unread > 0 && <span className="badge small-badge">{unread}</span>}
                </button>
              ))}
            </div>
            <div id="side-panel" role="tabpanel" aria-labelledby={`tab-${tab}`} className="side-panel">
              <LiveChangesContext.Provider value={liveChanges}>
              <AuthContext.Provider value={readOnlyAuth}>
              <ViewingPastContext.Provider value={past}>
              <ErrorBoundary what="panel">
              <Suspense fallback={<Loading what="panel" />}>
                {/* Panels stay mounted once opened, so a conversation or a scan survives a tab switch. */}
                <div hidden={tab !== "node"}>
                  <div ref={detailsRef}>
                  {selectedId && past !== null
                    ? <PastNode nodeId={selectedId} graph={timeline.graph} asOf={past} tools={tools} />
                    : editing.creating && past === null
                    ? <NodeForm nodes={graph.nodes} place={() => placeNewNode(viewRef.current, selectedId)} onCancel={() => editing.setCreating(false)}
                        onDone={(id) => { editing.setCreating(false); selectNode(id); }} />
                    : selectedId
                    ? <NodeDetails key={selectedId} nodeId={selectedId} graph={graph} onSelect={(id) => { pick(id); focusNodes([id]); }} onFocus={focusNodes} tools={tools}
                        editing={editing} onDeleted={() => selectNode(null)} />
                    : <p className="state-empty">Click a node in the graph, a search result or a row of the Nodes list to see its details, neighbours and history.</p>}
                  </div>
                </div>
                {/* Mounted once opened (the skip link opens it): it sorts every node on each change. */}
                {visited.has("nodes") && <div hidden={tab !== "nodes"}>
                  <NodeList ref={listInput} nodes={settledNodes} filters={filters} selectedId={selectedId} onPick={(id) => { pick(id); setTab("nodes"); focusNodes([id]); }} />
                </div>}
                {visited.has("notifications") && (
                  <div hidden={tab !== "notifications"}>
                    <NotificationsPanel persons={persons} personId={personId} onPerson={fixedPerson ? null : setPersonId} state={notifications} onFocus={focusNodes} />
                  </div>
                )}
                {visited.has("drop") && <div hidden={tab !== "drop"}><InfoDropPanel persons={persons} nodes={graph.nodes} onFocus={focusNodes} /></div>}
                {visited.has("ask") && <div hidden={tab !== "ask"}><AskPanel nodes={graph.nodes} onCite={cite} /></div>}
                {visited.has("immune") && <div hidden={tab !== "immune"}><ImmunePanel onFocus={focusNodes} onOpenWorkers={() => setTab("workers")} /></div>}
                {visited.has("workers") && <div hidden={tab !== "workers"}><WorkersPanel edges={live.graph.edges} /></div>}
                {visited.has("tasks") && <div hidden={tab !== "tasks"}><TasksPanel onFocus={focusNodes} /></div>}
                {visited.has("usage") && <div hidden={tab !== "usage"}><UsagePanel /></div>}
                {visited.has("changes") && <div hidden={tab !== "changes"}><ChangesPanel changes={changes} onFocus={focusNodes} onShowRemoved={showRemoved} /></div>}
              </Suspense>
              </ErrorBoundary>
              </ViewingPastContext.Provider>
              </AuthContext.Provider>
              </LiveChangesContext.Provider>
            </div>
          </aside>
        </main>
      </div>
    </NodeDirectoryContext.Provider>
  );
}
