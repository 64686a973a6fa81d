// A render error in one part shows a short message and a retry, never a stack trace or a blank page.
import { Component, type ReactNode } from "react";

interface Props { children: ReactNode; what: string }
interface State { failed: boolean }

export class ErrorBoundary extends Component<Props, State> {
  state: State = { failed: false };

  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  componentDidCatch(error: unknown) {
    console.error(`NEXUS: the ${this.props.what} failed to render`, error);
  }

  render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="state state-error" role="alert">
        <span>The {this.props.what} hit a problem.</span>
        <button type="button" onClick={() => this.setState({ failed: false })}>Try again</button>
      </div>
    );
  }
}
