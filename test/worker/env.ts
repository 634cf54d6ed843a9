export interface TestEnv {
  ROOMS: DurableObjectNamespace;
}
