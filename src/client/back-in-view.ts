/** The browser's page and network events, where there are any (Node has none). */
interface Events {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/**
 * Calls `check` when the page becomes visible again (`visibilitychange`) or the network comes back
 * (`online`): after a sleep or a switch of networks a connection may be dead without having closed.
 * Returns the function that stops listening. In an environment without these events, it does nothing.
 */
export function whenBackInView(check: () => void): () => void {
  const scope = globalThis as unknown as Partial<Events> & {
    document?: Partial<Events> & { visibilityState?: string };
  };
  const page = scope.document;
  const onVisibility = (): void => {
    if (page?.visibilityState === "visible") check();
  };
  if (typeof scope.addEventListener === "function") scope.addEventListener("online", check);
  if (typeof page?.addEventListener === "function") page.addEventListener("visibilitychange", onVisibility);
  return () => {
    if (typeof scope.removeEventListener === "function") scope.removeEventListener("online", check);
    if (typeof page?.removeEventListener === "function") page.removeEventListener("visibilitychange", onVisibility);
  };
}
