import { Component, type ErrorInfo, type ReactNode } from "react";

interface Props {
  /** Renders the fallback for a caught error. */
  fallback: (error: Error) => ReactNode;
  children: ReactNode;
}

/** Shows a readable page instead of a blank one when rendering throws. */
export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error("The page crashed while rendering:", error, info.componentStack);
  }

  override render() {
    return this.state.error ? this.props.fallback(this.state.error) : this.props.children;
  }
}
