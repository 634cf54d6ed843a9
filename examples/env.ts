/** The demo Worker's bindings (wrangler.toml). */
export interface Env {
  ROOMS: DurableObjectNamespace;
}
