// NEXUS PulseView: the live graph with its side panels.
import { ReactFlowProvider } from "@xyflow/react";
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { useAuth } from "./auth/context";
import { OPEN_ACCESS_TEXT } from "./auth/types";
import { UserMenu } from "./auth/UserMenu";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { Legend } from "./components/Legend";
import { SearchBox } from "./components/SearchBox";
import { ConnectionIndicator, ErrorNote, HealthBanner, Loading } from "./components/Status";
import { useNotifications } from "./components/useNotifications";
import { isVisible, PulseView, type Filters, type FocusRequest } from "./graph/PulseView";
import { unacknowledged } from "./graph/reducer";
import { useLiveGraph } from "./graph/useLiveGraph";

const NodeDetails = lazy(() => import("./panels/NodeDetails"));
const NotificationsPanel = lazy(() => import("./panels/NotificationsPanel"));
const InfoDropPanel = lazy(() => import("./panels/InfoDropPanel"));
const AskPanel = lazy(() => import("./panels/AskPanel"));
const ImmunePanel = lazy(() => import("./panels/ImmunePanel"));
const TasksPanel = lazy(() => import("./panels/TasksPanel"));
const UsagePanel = lazy(() => import("./panels/UsagePanel"));

type Tab = "node" | "notifications" | "drop" | "ask" | "immune" | "tasks" | "usage";
const TABS: { id: Tab; label: string }[] = [
  { id: "node", label: "Node" },
  { id: "notifications", label: "Notifications" },
  { id: "drop", label: "Info Drop" },
  { id: "ask", label: "Ask" },
  { id: "immune", label: "Immune" },
  { id: "tasks", label: "Tasks" },
  { id: "usage", label: "Usage" },
];

export default function App() {
  const live = useLiveGraph();
  const { graph } = live;
  const [filters, setFilters] = useState<Filters>({ hiddenTypes: new Set(), division: "" });
  const [highlighted, setHighlighted] = useState<Set<string>>(new Set());
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [focus, setFocus] = useState<FocusRequest | null>(null);
  const [tab, setTabState] = useState<Tab>("node");
  const [visited, setVisited] = useState<Set<Tab>>(new Set(["node"]));
  const setTab = useCallback((t: Tab) => {
    setTabState(t);
    setVisited((v) => (v.has(t) ? v : new Set(v).add(t)));
  }, []);
  const auth = useAuth();
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

  const nodeList = useMemo(() => Object.values(graph.nodes), [graph.nodes]);
  const persons = useMemo(
    () => nodeList.filter((n) => n.type === "person").sort((a, b) => a.label.localeCompare(b.label)), [nodeList]);
  const divisions = useMemo(
    () => [...new Set(nodeList.map((n) => n.division).filter((d): d is string => !!d))].sort(), [nodeList]);
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const n of nodeList) c[n.type] = (c[n.type] ?? 0) + 1;
    return c;
  }, [nodeList]);

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
  }, [setTab]);

  const cite = useCallback((id: string) => {
    setSelectedId(id);
    focusNodes([id]);
  }, [focusNodes]);

  const visibleCount = nodeList.filter((n) => isVisible(n, filters)).length;

  return (
    <ReactFlowProvider>
      <div className="app">
        <header className="topbar">
          <h1>NEXUS <span className="muted">PulseView</span></h1>
          <SearchBox nodes={graph.nodes} onResults={focusNodes} onPick={(id) => { selectNode(id); focusNodes([id]); }} />
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
            <div className="graph-canvas" data-testid="graph" data-node-count={nodeList.length} data-visible-count={visibleCount}>
              {live.loading && <div className="overlay"><Loading what="graph" /></div>}
              {live.error && <div className="overlay"><ErrorNote message={live.error} onRetry={live.reload} /></div>}
              {!live.loading && !live.error && nodeList.length === 0 && (
                <div className="overlay"><p className="state-empty">The graph is empty. Seed it with <code>make run</code> or add nodes through the API.</p></div>
              )}
              <ErrorBoundary what="graph view">
              <PulseView graph={graph} filters={filters} highlighted={highlighted} selectedId={selectedId} onSelect={selectNode} focus={focus} />
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
              <ErrorBoundary what="panel">
              <Suspense fallback={<Loading what="panel" />}>
                {/* Panels stay mounted once opened, so a conversation or a scan survives a tab switch. */}
                <div hidden={tab !== "node"}>
                  {selectedId
                    ? <NodeDetails nodeId={selectedId} graph={graph} onSelect={(id) => { selectNode(id); focusNodes([id]); }} onFocus={focusNodes} />
                    : <p className="state-empty">Click a node in the graph (or a search result) to see its details, neighbours and history.</p>}
                </div>
                {visited.has("notifications") && (
                  <div hidden={tab !== "notifications"}>
                    <NotificationsPanel persons={persons} personId={personId} onPerson={fixedPerson ? null : setPersonId} state={notifications} onFocus={focusNodes} />
                  </div>
                )}
                {visited.has("drop") && <div hidden={tab !== "drop"}><InfoDropPanel persons={persons} nodes={graph.nodes} onFocus={focusNodes} /></div>}
                {visited.has("ask") && <div hidden={tab !== "ask"}><AskPanel nodes={graph.nodes} onCite={cite} /></div>}
                {visited.has("immune") && <div hidden={tab !== "immune"}><ImmunePanel onFocus={focusNodes} /></div>}
                {visited.has("tasks") && <div hidden={tab !== "tasks"}><TasksPanel onFocus={focusNodes} /></div>}
                {visited.has("usage") && <div hidden={tab !== "usage"}><UsagePanel /></div>}
              </Suspense>
              </ErrorBoundary>
            </div>
          </aside>
        </main>
      </div>
    </ReactFlowProvider>
  );
}
