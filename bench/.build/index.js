var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// ../node_modules/partyserver/dist/index.js
import { DurableObject, env } from "cloudflare:workers";

// ../node_modules/partyserver/node_modules/nanoid/url-alphabet/index.js
var urlAlphabet = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";

// ../node_modules/partyserver/node_modules/nanoid/index.browser.js
var nanoid = /* @__PURE__ */ __name((size = 21) => {
  let id = "";
  let bytes = crypto.getRandomValues(new Uint8Array(size |= 0));
  while (size--) {
    id += urlAlphabet[bytes[size] & 63];
  }
  return id;
}, "nanoid");

// ../node_modules/partyserver/dist/index.js
if (!("OPEN" in WebSocket)) {
  const WebSocketStatus = {
    CONNECTING: WebSocket.READY_STATE_CONNECTING,
    OPEN: WebSocket.READY_STATE_OPEN,
    CLOSING: WebSocket.READY_STATE_CLOSING,
    CLOSED: WebSocket.READY_STATE_CLOSED
  };
  Object.assign(WebSocket, WebSocketStatus);
  Object.assign(WebSocket.prototype, WebSocketStatus);
}
function tryGetPartyServerMeta(ws) {
  try {
    const attachment = WebSocket.prototype.deserializeAttachment.call(ws);
    if (!attachment || typeof attachment !== "object") return null;
    if (!("__pk" in attachment)) return null;
    const pk = attachment.__pk;
    if (!pk || typeof pk !== "object") return null;
    const { id, tags } = pk;
    if (typeof id !== "string") return null;
    const { uri } = pk;
    return {
      id,
      tags: Array.isArray(tags) ? tags : [],
      uri: typeof uri === "string" ? uri : void 0
    };
  } catch {
    return null;
  }
}
__name(tryGetPartyServerMeta, "tryGetPartyServerMeta");
function isPartyServerWebSocket(ws) {
  return tryGetPartyServerMeta(ws) !== null;
}
__name(isPartyServerWebSocket, "isPartyServerWebSocket");
var AttachmentCache = class {
  static {
    __name(this, "AttachmentCache");
  }
  #cache = /* @__PURE__ */ new WeakMap();
  get(ws) {
    let attachment = this.#cache.get(ws);
    if (!attachment) {
      attachment = WebSocket.prototype.deserializeAttachment.call(ws);
      if (attachment !== void 0) this.#cache.set(ws, attachment);
      else throw new Error("Missing websocket attachment. This is most likely an issue in PartyServer, please open an issue at https://github.com/cloudflare/partykit/issues");
    }
    return attachment;
  }
  set(ws, attachment) {
    this.#cache.set(ws, attachment);
    WebSocket.prototype.serializeAttachment.call(ws, attachment);
  }
};
var attachments = new AttachmentCache();
var connections = /* @__PURE__ */ new WeakSet();
var isWrapped = /* @__PURE__ */ __name((ws) => {
  return connections.has(ws);
}, "isWrapped");
var createLazyConnection = /* @__PURE__ */ __name((ws) => {
  if (isWrapped(ws)) return ws;
  let initialState;
  if ("state" in ws) {
    initialState = ws.state;
    delete ws.state;
  }
  const connection = Object.defineProperties(ws, {
    id: {
      configurable: true,
      get() {
        return attachments.get(ws).__pk.id;
      }
    },
    uri: {
      configurable: true,
      get() {
        return attachments.get(ws).__pk.uri ?? null;
      }
    },
    tags: {
      configurable: true,
      get() {
        return attachments.get(ws).__pk.tags ?? [];
      }
    },
    socket: {
      configurable: true,
      get() {
        return ws;
      }
    },
    state: {
      configurable: true,
      get() {
        return ws.deserializeAttachment();
      }
    },
    setState: {
      configurable: true,
      value: /* @__PURE__ */ __name(function setState(setState) {
        let state;
        if (setState instanceof Function) state = setState(this.state);
        else state = setState;
        ws.serializeAttachment(state);
        return state;
      }, "setState")
    },
    deserializeAttachment: {
      configurable: true,
      value: /* @__PURE__ */ __name(function deserializeAttachment() {
        return attachments.get(ws).__user ?? null;
      }, "deserializeAttachment")
    },
    serializeAttachment: {
      configurable: true,
      value: /* @__PURE__ */ __name(function serializeAttachment(attachment) {
        const setting = {
          ...attachments.get(ws),
          __user: attachment ?? null
        };
        attachments.set(ws, setting);
      }, "serializeAttachment")
    }
  });
  if (initialState) connection.setState(initialState);
  connections.add(connection);
  return connection;
}, "createLazyConnection");
var HibernatingConnectionIterator = class {
  static {
    __name(this, "HibernatingConnectionIterator");
  }
  index = 0;
  sockets;
  constructor(state, tag) {
    this.state = state;
    this.tag = tag;
  }
  [Symbol.iterator]() {
    return this;
  }
  next() {
    const sockets = this.sockets ?? (this.sockets = this.state.getWebSockets(this.tag));
    let socket;
    while (socket = sockets[this.index++]) if (socket.readyState === WebSocket.READY_STATE_OPEN) {
      if (!isPartyServerWebSocket(socket)) continue;
      return {
        done: false,
        value: createLazyConnection(socket)
      };
    }
    return {
      done: true,
      value: void 0
    };
  }
};
function prepareTags(connectionId, userTags) {
  const tags = [connectionId, ...userTags.filter((t) => t !== connectionId)];
  if (tags.length > 10) throw new Error("A connection can only have 10 tags, including the default id tag.");
  for (const tag of tags) {
    if (typeof tag !== "string") throw new Error(`A connection tag must be a string. Received: ${tag}`);
    if (tag === "") throw new Error("A connection tag must not be an empty string.");
    if (tag.length > 256) throw new Error("A connection tag must not exceed 256 characters");
  }
  return tags;
}
__name(prepareTags, "prepareTags");
var InMemoryConnectionManager = class {
  static {
    __name(this, "InMemoryConnectionManager");
  }
  #connections = /* @__PURE__ */ new Map();
  tags = /* @__PURE__ */ new WeakMap();
  getCount() {
    return this.#connections.size;
  }
  getConnection(id) {
    return this.#connections.get(id);
  }
  *getConnections(tag) {
    if (!tag) {
      yield* this.#connections.values().filter((c) => c.readyState === WebSocket.READY_STATE_OPEN);
      return;
    }
    for (const connection of this.#connections.values()) if ((this.tags.get(connection) ?? []).includes(tag)) yield connection;
  }
  accept(connection, options) {
    try {
      connection.accept({ allowHalfOpen: true });
    } catch {
      connection.accept();
    }
    try {
      connection.binaryType = "arraybuffer";
    } catch {
    }
    const tags = prepareTags(connection.id, options.tags);
    this.#connections.set(connection.id, connection);
    this.tags.set(connection, tags);
    Object.defineProperty(connection, "tags", {
      get: /* @__PURE__ */ __name(() => tags, "get"),
      configurable: true
    });
    const removeConnection = /* @__PURE__ */ __name(() => {
      this.#connections.delete(connection.id);
      connection.removeEventListener("close", removeConnection);
      connection.removeEventListener("error", removeConnection);
    }, "removeConnection");
    connection.addEventListener("close", removeConnection);
    connection.addEventListener("error", removeConnection);
    return connection;
  }
};
var HibernatingConnectionManager = class {
  static {
    __name(this, "HibernatingConnectionManager");
  }
  constructor(controller) {
    this.controller = controller;
  }
  getCount() {
    let count = 0;
    for (const ws of this.controller.getWebSockets()) if (isPartyServerWebSocket(ws)) count++;
    return count;
  }
  getConnection(id) {
    const matching = this.controller.getWebSockets(id).filter((ws) => {
      return tryGetPartyServerMeta(ws)?.id === id;
    });
    if (matching.length === 0) return void 0;
    if (matching.length === 1) return createLazyConnection(matching[0]);
    throw new Error(`More than one connection found for id ${id}. Did you mean to use getConnections(tag) instead?`);
  }
  getConnections(tag) {
    return new HibernatingConnectionIterator(this.controller, tag);
  }
  accept(connection, options) {
    const tags = prepareTags(connection.id, options.tags);
    this.controller.acceptWebSocket(connection, tags);
    connection.serializeAttachment({
      __pk: {
        id: connection.id,
        tags,
        uri: connection.uri ?? void 0
      },
      __user: null
    });
    return createLazyConnection(connection);
  }
};
var CLOSING = 2;
var CLOSED = 3;
function isBenignTeardownError(ws, error) {
  const state = ws.readyState;
  if (state !== CLOSING && state !== CLOSED) return false;
  if (typeof error !== "object" || error === null) return false;
  const typed = error;
  if (typed.retryable === true) return true;
  const message = typeof typed.message === "string" ? typed.message : "";
  return /Network connection lost|WebSocket peer disconnected/i.test(message);
}
__name(isBenignTeardownError, "isBenignTeardownError");
var NAME_STORAGE_KEY = "__ps_name";
function isReservedCloseCode(code) {
  return code === 1005 || code === 1006 || code === 1015;
}
__name(isReservedCloseCode, "isReservedCloseCode");
function closeQuietly(ws, code, reason) {
  if (isReservedCloseCode(code)) return;
  try {
    ws.close(code, reason);
  } catch {
  }
}
__name(closeQuietly, "closeQuietly");
var DEFAULT_ROUTING_RETRY_OPTIONS = {
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 800
};
function durableObjectGetOptions(options) {
  return options?.locationHint ? { locationHint: options.locationHint } : void 0;
}
__name(durableObjectGetOptions, "durableObjectGetOptions");
function validatePositiveInteger(value, name) {
  if (!Number.isFinite(value) || value < 1) throw new Error(`${name} must be >= 1`);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer`);
}
__name(validatePositiveInteger, "validatePositiveInteger");
function validatePositiveNumber(value, name) {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be > 0`);
}
__name(validatePositiveNumber, "validatePositiveNumber");
function resolveRoutingRetryOptions(options) {
  if (options === false) return null;
  const resolved = {
    maxAttempts: options?.maxAttempts ?? DEFAULT_ROUTING_RETRY_OPTIONS.maxAttempts,
    baseDelayMs: options?.baseDelayMs ?? DEFAULT_ROUTING_RETRY_OPTIONS.baseDelayMs,
    maxDelayMs: options?.maxDelayMs ?? DEFAULT_ROUTING_RETRY_OPTIONS.maxDelayMs,
    onRetry: options?.onRetry
  };
  validatePositiveInteger(resolved.maxAttempts, "routingRetry.maxAttempts");
  validatePositiveNumber(resolved.baseDelayMs, "routingRetry.baseDelayMs");
  validatePositiveNumber(resolved.maxDelayMs, "routingRetry.maxDelayMs");
  if (resolved.baseDelayMs > resolved.maxDelayMs) throw new Error("routingRetry.baseDelayMs must be <= maxDelayMs");
  return resolved;
}
__name(resolveRoutingRetryOptions, "resolveRoutingRetryOptions");
function isRetryableDurableObjectError(error) {
  if (typeof error !== "object" || error === null) return false;
  const typed = error;
  return typed.retryable === true && typed.overloaded !== true;
}
__name(isRetryableDurableObjectError, "isRetryableDurableObjectError");
function routingRetryDelayMs(attempt, options) {
  const upperBoundMs = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(Math.random() * upperBoundMs);
}
__name(routingRetryDelayMs, "routingRetryDelayMs");
async function retryDurableObjectOperation(operation, context, retryOptions) {
  const resolved = resolveRoutingRetryOptions(retryOptions);
  if (!resolved) return await operation();
  let attempt = 1;
  while (true) try {
    return await operation();
  } catch (error) {
    const nextAttempt = attempt + 1;
    if (nextAttempt > resolved.maxAttempts || !isRetryableDurableObjectError(error)) throw error;
    const delayMs = routingRetryDelayMs(attempt, resolved);
    try {
      await resolved.onRetry?.({
        error,
        attempt,
        maxAttempts: resolved.maxAttempts,
        delayMs,
        name: context.name,
        className: context.className
      });
    } catch (callbackError) {
      console.warn("PartyServer routingRetry onRetry callback failed:", callbackError);
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    attempt = nextAttempt;
  }
}
__name(retryDurableObjectOperation, "retryDurableObjectOperation");
function decodeProps(header) {
  const trimmed = header.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) return JSON.parse(trimmed);
  const binary = atob(header);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return JSON.parse(new TextDecoder().decode(bytes));
}
__name(decodeProps, "decodeProps");
async function getServerByName(serverNamespace, name, options) {
  if (options?.jurisdiction) serverNamespace = serverNamespace.jurisdiction(options.jurisdiction);
  const id = serverNamespace.idFromName(name);
  const getOptions = durableObjectGetOptions(options);
  await retryDurableObjectOperation(() => serverNamespace.get(id, getOptions).setName(name, options?.props), { name }, options?.routingRetry);
  return serverNamespace.get(id, getOptions);
}
__name(getServerByName, "getServerByName");
function resolveServerOptions(serverClass) {
  let current = serverClass;
  while (current) {
    const hibernate = current.options?.hibernate;
    if (hibernate !== void 0) return { hibernate };
    current = Object.getPrototypeOf(current);
  }
  return { hibernate: false };
}
__name(resolveServerOptions, "resolveServerOptions");
var Server = class extends DurableObject {
  static {
    __name(this, "Server");
  }
  static options = { hibernate: false };
  #status = "zero";
  #ParentClass = Object.getPrototypeOf(this).constructor;
  #options = resolveServerOptions(this.#ParentClass);
  #connectionManager = this.#options.hibernate ? new HibernatingConnectionManager(this.ctx) : new InMemoryConnectionManager();
  /**
  * Execute SQL queries against the Server's database
  * @template T Type of the returned rows
  * @param strings SQL query template strings
  * @param values Values to be inserted into the query
  * @returns Array of query results
  */
  sql(strings, ...values) {
    let query = "";
    try {
      query = strings.reduce((acc, str, i) => acc + str + (i < values.length ? "?" : ""), "");
      return [...this.ctx.storage.sql.exec(query, ...values)];
    } catch (e2) {
      console.error(`failed to execute sql query: ${query}`, e2);
      throw this.onException(e2);
    }
  }
  constructor(ctx, env2) {
    super(ctx, env2);
  }
  /**
  * Handle incoming requests to the server.
  */
  async fetch(request) {
    try {
      const props = request.headers.get("x-partykit-props");
      if (props) this.#_props = decodeProps(props);
      if (!this.ctx.id.name && !this.#_name) {
        const room = request.headers.get("x-partykit-room");
        if (room) this.#_name = room;
      }
      await this.#ensureInitialized();
      if (!this.ctx.id.name && !this.#_name) throw new Error(`Cannot determine the name for ${this.#ParentClass.name}: this.ctx.id.name is undefined, no legacy __ps_name storage record is present, and no x-partykit-room header was supplied. Likely causes:
  1. The stub was built via idFromString()/newUniqueId(). PartyServer requires name-based addressing (idFromName/getByName).
  2. The workerd/wrangler runtime is too old to expose ctx.id.name \u2014 update to a recent wrangler release.
  3. You called stub.fetch() directly without going through routePartykitRequest()/getServerByName(). Prefer those, or set the x-partykit-room header.`);
      const url = new URL(request.url);
      if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return await this.onRequest(request);
      else {
        const { 0: clientWebSocket, 1: serverWebSocket } = new WebSocketPair();
        let connectionId = url.searchParams.get("_pk");
        if (!connectionId) connectionId = nanoid();
        let connection = Object.assign(serverWebSocket, {
          id: connectionId,
          uri: request.url,
          server: this.name,
          tags: [],
          state: null,
          setState(setState) {
            let state;
            if (setState instanceof Function) state = setState(this.state);
            else state = setState;
            this.state = state;
            return this.state;
          }
        });
        const ctx = { request };
        const tags = await this.getConnectionTags(connection, ctx);
        connection = this.#connectionManager.accept(connection, { tags });
        if (!this.#options.hibernate) this.#attachSocketEventHandlers(connection);
        await this.onConnect(connection, ctx);
        return new Response(null, {
          status: 101,
          webSocket: clientWebSocket
        });
      }
    } catch (err) {
      console.error(`Error in ${this.#ParentClass.name}:${this.ctx.id.name ?? this.#_name ?? "<unnamed>"} fetch:`, err);
      if (!(err instanceof Error)) throw err;
      if (request.headers.get("Upgrade") === "websocket") {
        const pair = new WebSocketPair();
        pair[1].accept();
        pair[1].send(JSON.stringify({ error: err.stack }));
        pair[1].close(1011, "Uncaught exception during session setup");
        return new Response(null, {
          status: 101,
          webSocket: pair[0]
        });
      } else return new Response(err.stack, { status: 500 });
    }
  }
  async webSocketMessage(ws, message) {
    if (!isPartyServerWebSocket(ws)) return;
    try {
      const connection = createLazyConnection(ws);
      await this.#ensureInitialized();
      connection.server = this.name;
      return this.onMessage(connection, message);
    } catch (e2) {
      console.error(`Error in ${this.#ParentClass.name}:${this.ctx.id.name ?? this.#_name ?? "<unnamed>"} webSocketMessage:`, e2);
    }
  }
  async webSocketClose(ws, code, reason, wasClean) {
    if (!isPartyServerWebSocket(ws)) return;
    try {
      const connection = createLazyConnection(ws);
      await this.#ensureInitialized();
      connection.server = this.name;
      await this.onClose(connection, code, reason, wasClean);
    } catch (e2) {
      console.error(`Error in ${this.#ParentClass.name}:${this.ctx.id.name ?? this.#_name ?? "<unnamed>"} webSocketClose:`, e2);
    } finally {
      closeQuietly(ws, code, reason);
    }
  }
  async webSocketError(ws, error) {
    if (!isPartyServerWebSocket(ws)) return;
    if (isBenignTeardownError(ws, error)) return;
    try {
      const connection = createLazyConnection(ws);
      await this.#ensureInitialized();
      connection.server = this.name;
      return this.onError(connection, error);
    } catch (e2) {
      console.error(`Error in ${this.#ParentClass.name}:${this.ctx.id.name ?? this.#_name ?? "<unnamed>"} webSocketError:`, e2);
    }
  }
  /**
  * Read the legacy `__ps_name` storage record as a fallback source of
  * `this.name` when `ctx.id.name` is unavailable. Covers:
  *
  *   1. Alarm handlers firing on alarm records that were scheduled by
  *      a workerd version that did not yet persist `name` into the
  *      alarm record (see the Durable Objects ID docs:
  *      https://developers.cloudflare.com/durable-objects/api/id/#name).
  *      The runtime contract for current workerd populates `ctx.id.name`
  *      in alarm handlers — see the "Raw runtime contract" tests — so
  *      this fallback exists primarily for stale on-disk alarm records
  *      and for defense-in-depth against future runtime changes.
  *   2. Legacy framework-level bootstrap patterns that write
  *      `__ps_name` directly (or call `setName()`) before triggering
  *      `__unsafe_ensureInitialized()` — typically DOs addressed via
  *      `idFromString()` / `newUniqueId()` plus a name override.
  */
  async #hydrateNameFromLegacyStorage() {
    if (this.#_name) return;
    const stored = await this.ctx.storage.get(NAME_STORAGE_KEY);
    if (stored) this.#_name = stored;
  }
  async #persistNameFallbackFromCtxId() {
    const ctxName = this.ctx.id.name;
    if (ctxName === void 0 || this.#_name) return;
    if (await this.ctx.storage.get(NAME_STORAGE_KEY) !== ctxName) await this.ctx.storage.put(NAME_STORAGE_KEY, ctxName);
    this.#_name = ctxName;
  }
  /**
  * @internal — Do not use directly. This is an escape hatch for frameworks
  * (like Agents) that receive calls via native DO RPC, bypassing the
  * standard fetch/alarm/webSocket entry points where initialization
  * normally happens. Calling this from application code is unsupported
  * and may break without notice.
  */
  async __unsafe_ensureInitialized() {
    await this.#ensureInitialized();
  }
  async #ensureInitialized() {
    if (this.#status === "started") return;
    if (this.ctx.id.name !== void 0) await this.#persistNameFallbackFromCtxId();
    else if (!this.#_name) await this.#hydrateNameFromLegacyStorage();
    let error;
    await this.ctx.blockConcurrencyWhile(async () => {
      this.#status = "starting";
      try {
        await this.onStart(this.#_props);
        this.#status = "started";
      } catch (e2) {
        this.#status = "zero";
        error = e2;
      }
    });
    if (error) throw error;
  }
  #attachSocketEventHandlers(connection) {
    const handleMessageFromClient = /* @__PURE__ */ __name((event) => {
      this.onMessage(connection, event.data)?.catch((e2) => {
        console.error("onMessage error:", e2);
      });
    }, "handleMessageFromClient");
    const reciprocateClose = /* @__PURE__ */ __name((event) => {
      closeQuietly(connection, event.code, event.reason);
    }, "reciprocateClose");
    const handleCloseFromClient = /* @__PURE__ */ __name((event) => {
      connection.removeEventListener("message", handleMessageFromClient);
      connection.removeEventListener("close", handleCloseFromClient);
      let result;
      try {
        result = this.onClose(connection, event.code, event.reason, event.wasClean);
      } catch (e2) {
        console.error("onClose error:", e2);
        reciprocateClose(event);
        return;
      }
      if (result && typeof result.then === "function") result.catch((e2) => {
        console.error("onClose error:", e2);
      }).finally(() => reciprocateClose(event));
      else reciprocateClose(event);
    }, "handleCloseFromClient");
    const handleErrorFromClient = /* @__PURE__ */ __name((e2) => {
      connection.removeEventListener("message", handleMessageFromClient);
      connection.removeEventListener("error", handleErrorFromClient);
      if (isBenignTeardownError(connection, e2.error)) return;
      this.onError(connection, e2.error)?.catch((err) => {
        console.error("onError error:", err);
      });
    }, "handleErrorFromClient");
    connection.addEventListener("close", handleCloseFromClient);
    connection.addEventListener("error", handleErrorFromClient);
    connection.addEventListener("message", handleMessageFromClient);
  }
  #_name;
  /**
  * The name for this server.
  *
  * Resolves from `this.ctx.id.name` — the native DO id name, populated
  * whenever the stub was created via `idFromName()` or `getByName()`.
  * This is available inside every entry point (including the constructor,
  * alarms, and hibernating websocket handlers).
  *
  * For alarm handlers firing on stale on-disk alarm records from
  * older workerd versions that didn't persist `name` into the alarm
  * record, the name is recovered from a storage fallback record.
  *
  * Throws if neither source is available — typically this means the DO
  * was addressed via `idFromString()` or `newUniqueId()`, which is not
  * supported by PartyServer.
  */
  get name() {
    const ctxName = this.ctx.id.name;
    if (ctxName !== void 0) return ctxName;
    if (this.#_name) return this.#_name;
    throw new Error(`Attempting to read .name on ${this.#ParentClass.name}, but this.ctx.id.name is not set and no ${NAME_STORAGE_KEY} fallback record is available. PartyServer requires DOs to be addressed via idFromName()/getByName(), or explicitly bootstrapped with setName() when using idFromString()/newUniqueId(). If this happens in an alarm handler firing on a stale alarm record, initialize the DO from a fetch/RPC entry point first so PartyServer can persist the fallback name.`);
  }
  /**
  * Establish this server's name and trigger `onStart()`.
  *
  * Use cases:
  *
  *   1. **Framework-level bootstrap of DOs where `ctx.id.name` is
  *      undefined** — e.g. DOs addressed via `idFromString()` /
  *      `newUniqueId()`. `setName()` stashes the name in memory and
  *      persists it under `__ps_name` so cold-wake invocations
  *      recover it via `#ensureInitialized()`'s legacy fallback.
  *   2. **Delivering initial `props` to `onStart()`** via the
  *      optional second argument.
  *
  * For DOs addressed via `idFromName()` / `getByName()`, calling
  * `setName()` is redundant — `this.name` is available automatically
  * from `ctx.id.name`. The normal initialization path also persists
  * a fallback record so old-compat alarm handlers can recover the name.
  * Throws if `name` does not match `ctx.id.name`.
  *
  * **Not appropriate for facets.** Cloudflare Agents and any other
  * framework using `ctx.facets.get(...)` should pass an explicit
  * `id` in `FacetStartupOptions` so the facet has its own
  * `ctx.id.name`:
  *
  * ```ts
  * const stub = ctx.facets.get(facetKey, () => ({
  *   class: ChildClass,
  *   id: ctx.exports.SomeBoundDOClass.idFromName(facetName),
  * }));
  * ```
  *
  * Without an explicit `id`, the facet inherits the parent DO's
  * `ctx.id` (including `ctx.id.name`), and `setName()` will throw
  * the ctx.id.name-mismatch error because the facet's intended
  * name differs from the parent's. See
  * https://developers.cloudflare.com/dynamic-workers/usage/durable-object-facets/
  * for the `FacetStartupOptions.id` semantics.
  *
  * @deprecated for callers that address DOs via `idFromName()` /
  * `getByName()`. Still the supported API for framework-level
  * bootstrap of header/`newUniqueId`-addressed DOs and for
  * delivering initial `props` to `onStart()`.
  */
  async setName(name, props) {
    if (!name) throw new Error("A name is required.");
    const ctxName = this.ctx.id.name;
    if (ctxName !== void 0 && ctxName !== name) throw new Error(`This server's Durable Object id was created for name "${ctxName}", cannot setName to "${name}".`);
    if (this.#_name && this.#_name !== name) throw new Error(`This server already has a name: ${this.#_name}, attempting to set to: ${name}`);
    if (props !== void 0) this.#_props = props;
    if (!this.#_name && ctxName === void 0) {
      await this.ctx.storage.put(NAME_STORAGE_KEY, name);
      this.#_name = name;
    }
    await this.#ensureInitialized();
  }
  /**
  * @internal
  * @deprecated Retained for backward compatibility with older callers.
  * `routePartykitRequest` no longer uses this method; it sends props via
  * the `x-partykit-props` header on the underlying `fetch()` request.
  */
  async _initAndFetch(name, props, request) {
    await this.setName(name, props);
    return this.fetch(request);
  }
  #sendMessageToConnection(connection, message) {
    try {
      connection.send(message);
    } catch (_e) {
      connection.close(1011, "Unexpected error");
    }
  }
  /** Send a message to all connected clients, except connection ids listed in `without` */
  broadcast(msg, without) {
    for (const connection of this.#connectionManager.getConnections()) if (!without || !without.includes(connection.id)) this.#sendMessageToConnection(connection, msg);
  }
  /** Get a connection by connection id */
  getConnection(id) {
    return this.#connectionManager.getConnection(id);
  }
  /**
  * Get all connections. Optionally, you can provide a tag to filter returned connections.
  * Use `Server#getConnectionTags` to tag the connection on connect.
  */
  getConnections(tag) {
    return this.#connectionManager.getConnections(tag);
  }
  /**
  * You can tag a connection to filter them in Server#getConnections.
  * Each connection supports up to 9 tags, each tag max length is 256 characters.
  */
  getConnectionTags(connection, context) {
    return [];
  }
  #_props;
  /**
  * Called when the server is started for the first time.
  */
  onStart(props) {
  }
  /**
  * Called when a new connection is made to the server.
  */
  onConnect(connection, ctx) {
  }
  /**
  * Called when a message is received from a connection.
  */
  onMessage(connection, message) {
  }
  /**
  * Called when a connection is closed.
  */
  onClose(connection, code, reason, wasClean) {
  }
  /**
  * Called when an error occurs on a connection.
  */
  onError(connection, error) {
    console.error(`Error on connection ${connection.id} in ${this.#ParentClass.name}:${this.name}:`, error);
    console.info(`Implement onError on ${this.#ParentClass.name} to handle this error.`);
  }
  /**
  * Called when a request is made to the server.
  */
  onRequest(request) {
    console.warn(`onRequest hasn't been implemented on ${this.#ParentClass.name}:${this.name} responding to ${request.url}`);
    return new Response("Not implemented", { status: 404 });
  }
  /**
  * Called when an exception occurs.
  * @param error - The error that occurred.
  */
  onException(error) {
    console.error(`Exception in ${this.#ParentClass.name}:${this.name}:`, error);
    console.info(`Implement onException on ${this.#ParentClass.name} to handle this error.`);
  }
  onAlarm() {
    console.log(`Implement onAlarm on ${this.#ParentClass.name} to handle alarms.`);
  }
  async alarm() {
    await this.#ensureInitialized();
    await this.onAlarm();
  }
};

// ../src/durable-object/room-object.ts
import { DurableObject as DurableObject2 } from "cloudflare:workers";

// ../src/close-code.ts
var encoder = new TextEncoder();
var MAX_CLOSE_REASON_BYTES = 123;
function isSendableCloseCode(code) {
  return Number.isInteger(code) && (code >= 1e3 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3e3 && code <= 4999);
}
__name(isSendableCloseCode, "isSendableCloseCode");
function assertCloseArguments(code, reason) {
  if (!isSendableCloseCode(code)) {
    throw new RangeError(
      `Invalid close code ${String(code)}: use 1000-1003, 1007-1014 or 3000-4999 (1004-1006 and 1015 are reserved)`
    );
  }
  if (typeof reason !== "string") {
    throw new TypeError("The close reason must be a string");
  }
  if (reason.length * 3 > MAX_CLOSE_REASON_BYTES && encoder.encode(reason).byteLength > MAX_CLOSE_REASON_BYTES) {
    throw new RangeError(`The close reason is longer than ${MAX_CLOSE_REASON_BYTES} UTF-8 bytes`);
  }
}
__name(assertCloseArguments, "assertCloseArguments");

// ../src/errors.ts
var WebSocketError = class extends Error {
  static {
    __name(this, "WebSocketError");
  }
  name = "WebSocketError";
  /** The frame that could not be handed over as asked, when the error is about a received frame. */
  frame;
  constructor(message, options) {
    super(message, options?.cause === void 0 ? void 0 : { cause: options.cause });
    this.frame = options?.frame;
  }
};
var WebSocketDisconnect = class extends Error {
  constructor(code = 1e3, reason = "") {
    super(`WebSocket disconnected: code=${code}${reason ? ` reason=${reason}` : ""}`);
    this.code = code;
    this.reason = reason;
  }
  code;
  reason;
  static {
    __name(this, "WebSocketDisconnect");
  }
  name = "WebSocketDisconnect";
};
var TimeoutError = class extends Error {
  static {
    __name(this, "TimeoutError");
  }
  name = "TimeoutError";
};

// ../src/durable-object/record.ts
var MAX_ATTACHMENT_BYTES = 16384;
function readRecord(socket) {
  return socket.deserializeAttachment();
}
__name(readRecord, "readRecord");
function persistRecord(socket, record) {
  try {
    socket.serializeAttachment(record);
  } catch (error) {
    throw new WebSocketError(
      `The connection's record (ws.data, headers, rooms) does not fit the runtime's ${MAX_ATTACHMENT_BYTES}-byte WebSocket attachment; keep ws.data small and store bulk state in Durable Object storage`,
      { cause: error }
    );
  }
}
__name(persistRecord, "persistRecord");

// ../src/queue.ts
var FrameQueue = class {
  static {
    __name(this, "FrameQueue");
  }
  #capacity;
  #frames = [];
  #head = 0;
  #waiters = [];
  #end = null;
  #endSeen = false;
  #allTaken = null;
  constructor(capacity) {
    this.#capacity = capacity;
  }
  get size() {
    return this.#frames.length - this.#head;
  }
  /** Hands the frame to a waiting receive or buffers it. False when the buffer is full. */
  push(frame) {
    const waiter = this.#waiters.shift();
    if (waiter !== void 0) {
      waiter.resolve(frame);
      return true;
    }
    if (this.size >= this.#capacity) return false;
    this.#frames.push(frame);
    return true;
  }
  /** Settles once nothing pushed so far (frames or the end) is waiting to be taken; undefined if nothing is. */
  untaken() {
    if (!this.#hasUntaken()) return void 0;
    if (this.#allTaken === null) {
      let resolve;
      const promise = new Promise((r2) => resolve = r2);
      this.#allTaken = { promise, resolve };
    }
    return this.#allTaken.promise;
  }
  take(options) {
    if (this.size > 0) return Promise.resolve(this.#shift());
    if (this.#end !== null) {
      this.#endSeen = true;
      this.#settleIfAllTaken();
      return Promise.reject(this.#end);
    }
    if (options === void 0 || options.timeout === void 0 && options.signal === void 0) {
      return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
    }
    return this.#takeWithin(options);
  }
  /**
   * No more frames will come; receives get `error` after the buffered frames, or at once with `discard`.
   * Idempotent: the first end wins.
   */
  end(error, discard) {
    if (this.#end !== null) return;
    this.#end = error;
    if (discard) this.#dropFrames();
    if (this.size === 0 && this.#waiters.length > 0) {
      this.#endSeen = true;
      for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    }
    this.#settleIfAllTaken();
  }
  /** The handler is gone: nothing will be taken any more. */
  abandon(error) {
    this.end(error, true);
    this.#dropFrames();
    this.#endSeen = true;
    this.#settleIfAllTaken();
  }
  #hasUntaken() {
    return this.size > 0 || this.#end !== null && !this.#endSeen;
  }
  #shift() {
    const frame = this.#frames[this.#head];
    this.#frames[this.#head] = void 0;
    this.#head += 1;
    if (this.#head === this.#frames.length) this.#dropFrames();
    this.#settleIfAllTaken();
    return frame;
  }
  #dropFrames() {
    this.#frames.length = 0;
    this.#head = 0;
  }
  #settleIfAllTaken() {
    if (this.#allTaken !== null && !this.#hasUntaken()) {
      this.#allTaken.resolve();
      this.#allTaken = null;
    }
  }
  #takeWithin({ timeout, signal }) {
    if (timeout !== void 0 && !(typeof timeout === "number" && timeout >= 0 && Number.isFinite(timeout))) {
      return Promise.reject(new RangeError(`timeout must be a finite number of milliseconds >= 0, got ${String(timeout)}`));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      let timer;
      const onAbort = /* @__PURE__ */ __name(() => {
        this.#forget(waiter);
        cleanup();
        reject(signal?.reason);
      }, "onAbort");
      const cleanup = /* @__PURE__ */ __name(() => {
        if (timer !== void 0) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      }, "cleanup");
      const waiter = {
        resolve: /* @__PURE__ */ __name((frame) => {
          cleanup();
          resolve(frame);
        }, "resolve"),
        reject: /* @__PURE__ */ __name((error) => {
          cleanup();
          reject(error);
        }, "reject")
      };
      if (timeout !== void 0) {
        timer = setTimeout(() => {
          this.#forget(waiter);
          signal?.removeEventListener("abort", onAbort);
          reject(new TimeoutError(`No message within ${timeout} ms`));
        }, timeout);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }
  #forget(waiter) {
    const index = this.#waiters.indexOf(waiter);
    if (index !== -1) this.#waiters.splice(index, 1);
  }
};

// ../src/state.ts
var WebSocketState = {
  /** Upgrade request received; the handler has not called `accept()` yet. */
  CONNECTING: "connecting",
  /** Open: messages flow both ways. */
  CONNECTED: "connected",
  /** The server sent its close frame and waits for the client's reply. */
  DISCONNECTING: "disconnecting",
  /** Closed for good. */
  DISCONNECTED: "disconnected"
};

// ../src/connection.ts
var OPEN = 1;
var Connection = class {
  static {
    __name(this, "Connection");
  }
  state;
  record;
  socket;
  resumed;
  queue;
  #owner;
  #handshake;
  #acceptCalled = false;
  /** Set when the client closed first; a later send reports it. */
  #remoteClose = null;
  constructor(init) {
    this.record = init.record;
    this.socket = init.socket;
    this.#owner = init.owner;
    this.queue = new FrameQueue(init.queueCapacity);
    this.#handshake = init.handshake ?? null;
    this.resumed = init.handshake === void 0;
    this.state = this.resumed ? WebSocketState.CONNECTED : WebSocketState.CONNECTING;
  }
  get isOpen() {
    return this.state === WebSocketState.CONNECTED;
  }
  /** Stores the record in the socket's attachment. */
  persist() {
    persistRecord(this.socket, this.record);
  }
  accept(subprotocol, headers) {
    if (this.#acceptCalled) throw new WebSocketError("accept() was already called on this connection");
    if (this.resumed) {
      this.#acceptCalled = true;
      return;
    }
    if (this.state !== WebSocketState.CONNECTING || this.#handshake === null) {
      throw new WebSocketError(`Cannot accept: the connection is ${this.state}`);
    }
    const responseHeaders = new Headers(headers);
    if (subprotocol !== void 0) {
      const offered = this.#offeredSubprotocols();
      if (!offered.includes(subprotocol)) {
        throw new WebSocketError(
          `Cannot accept subprotocol "${subprotocol}": the client offered ${offered.length ? offered.map((p2) => `"${p2}"`).join(", ") : "none"}`
        );
      }
      responseHeaders.set("Sec-WebSocket-Protocol", subprotocol);
      this.record.subprotocol = subprotocol;
    }
    this.persist();
    this.#handshake.accept(responseHeaders);
    this.#handshake = null;
    this.#acceptCalled = true;
    this.state = WebSocketState.CONNECTED;
  }
  send(frame) {
    if (this.state !== WebSocketState.CONNECTED) throw this.#cannotSend();
    try {
      this.socket.send(frame);
    } catch (error) {
      if (this.socket.readyState !== OPEN) throw new WebSocketDisconnect(1006, "The client is gone");
      throw error;
    }
  }
  take(options) {
    if (this.state === WebSocketState.CONNECTING) {
      return Promise.reject(new WebSocketError("Cannot receive before accept()"));
    }
    return this.queue.take(options);
  }
  close(code, reason) {
    assertCloseArguments(code, reason);
    switch (this.state) {
      case WebSocketState.CONNECTING:
        this.state = WebSocketState.DISCONNECTED;
        this.#refuse(403, "The WebSocket handler closed the connection before accepting it");
        this.queue.end(new WebSocketDisconnect(code, reason), true);
        return;
      case WebSocketState.CONNECTED:
        this.state = WebSocketState.DISCONNECTING;
        this.record.closing = true;
        this.#owner.forget(this);
        try {
          this.persist();
          this.socket.close(code, reason);
        } catch {
        }
        this.queue.end(new WebSocketDisconnect(code, reason), true);
        return;
      default:
        return;
    }
  }
  /** A frame from the client. False when the handler's queue is full. */
  deliver(frame) {
    return this.state !== WebSocketState.CONNECTED || this.queue.push(frame);
  }
  /** The client's close frame, or its disappearance (1006). */
  remoteClosed(code, reason) {
    const wasOpen = this.state === WebSocketState.CONNECTED;
    this.state = WebSocketState.DISCONNECTED;
    if (!wasOpen) return;
    this.#remoteClose = new WebSocketDisconnect(code, reason);
    this.#owner.forget(this);
    this.queue.end(this.#remoteClose, false);
  }
  /** The handler returned (or threw, with `failure`): close what it left open. */
  finish(failure) {
    if (this.state === WebSocketState.CONNECTING) {
      this.state = WebSocketState.DISCONNECTED;
      if (failure === void 0) this.#refuse(403, "The WebSocket handler returned without accepting the connection");
      else this.#refuse(500, "The WebSocket handler failed before accepting the connection");
    } else if (this.state === WebSocketState.CONNECTED) {
      if (failure === void 0) this.close(1e3, "");
      else this.close(1011, "Internal error");
    }
    this.queue.abandon(new WebSocketDisconnect(1e3, ""));
  }
  #refuse(status, message) {
    this.#handshake?.refuse(status, message);
    this.#handshake = null;
  }
  #cannotSend() {
    if (this.#remoteClose !== null) return new WebSocketDisconnect(this.#remoteClose.code, this.#remoteClose.reason);
    if (this.state === WebSocketState.CONNECTING) return new WebSocketError("Cannot send before accept()");
    return new WebSocketError("Cannot send after close()");
  }
  #offeredSubprotocols() {
    const header = this.record.headers.find(([name]) => name === "sec-websocket-protocol")?.[1] ?? "";
    return header.split(",").map((protocol) => protocol.trim()).filter((protocol) => protocol !== "");
  }
};

// ../src/handoff.ts
var INTERNAL_PREFIX = "x-hypern-";
var HANDOFF_HEADER = `${INTERNAL_PREFIX}handoff`;
function withHandoff(request, handoff) {
  const headers = new Headers(request.headers);
  for (const name of [...headers.keys()]) {
    if (name.startsWith(INTERNAL_PREFIX)) headers.delete(name);
  }
  headers.set(HANDOFF_HEADER, encodeURIComponent(JSON.stringify(handoff)));
  return new Request(request, { headers });
}
__name(withHandoff, "withHandoff");
function readHandoff(request) {
  const header = request.headers.get(HANDOFF_HEADER);
  if (header === null) return null;
  try {
    const handoff = JSON.parse(decodeURIComponent(header));
    if (typeof handoff.route !== "string" || typeof handoff.params !== "object" || handoff.params === null) return null;
    return handoff;
  } catch {
    return null;
  }
}
__name(readHandoff, "readHandoff");
function clientHeaders(headers) {
  return [...headers].filter(([name]) => !name.startsWith(INTERNAL_PREFIX));
}
__name(clientHeaders, "clientHeaders");

// ../src/message.ts
function toMessage(frame) {
  return typeof frame === "string" ? { type: "text", data: frame } : { type: "bytes", data: new Uint8Array(frame) };
}
__name(toMessage, "toMessage");

// ../src/websocket.ts
var connectionOf;
function connectionBehind(ws) {
  return connectionOf(ws);
}
__name(connectionBehind, "connectionBehind");
var WebSocket2 = class {
  static {
    __name(this, "WebSocket");
  }
  #connection;
  #headers;
  #queryParams;
  static {
    connectionOf = /* @__PURE__ */ __name((ws) => ws.#connection, "connectionOf");
  }
  /** @internal Handlers receive their `ws`; it is not made by user code. */
  constructor(connection) {
    this.#connection = connection;
  }
  /** Server-made connection id (a UUID), stable across hibernation. */
  get id() {
    return this.#connection.record.id;
  }
  get state() {
    return this.#connection.state;
  }
  get isConnected() {
    return this.#connection.state === WebSocketState.CONNECTED;
  }
  /** The request path, as sent (percent-encoded). */
  get path() {
    return this.#connection.record.path;
  }
  /** Route params, percent-decoded. */
  get params() {
    return this.#connection.record.params;
  }
  /** The upgrade request's headers (names are lower-case), without the library's internal ones. */
  get headers() {
    return this.#headers ??= new Headers(this.#connection.record.headers);
  }
  get queryParams() {
    return this.#queryParams ??= new URLSearchParams(this.#connection.record.search);
  }
  /** The client's IP address, from `CF-Connecting-IP`; null when absent. */
  get clientHost() {
    return this.#connection.record.clientHost;
  }
  /** The subprotocol chosen at `accept()`, or null. */
  get subprotocol() {
    return this.#connection.record.subprotocol;
  }
  /**
   * True when the handler runs again after the room object hibernated (or was evicted) while the
   * connection stayed open. `accept()` then resolves at once and the rooms joined are already joined:
   * guard one-time effects (a "joined" notice) with `if (!ws.resumed)`.
   */
  get resumed() {
    return this.#connection.resumed;
  }
  /** Per-connection state that survives hibernation; set it with `setData()`. */
  get data() {
    return this.#connection.record.data;
  }
  /**
   * Replaces `data` and stores it with the connection, so it survives hibernation. Mutating the
   * object returned by `data` in place is not stored: call `setData()` again.
   * @throws WebSocketError when the connection's record would exceed the runtime's 16 KiB limit.
   */
  setData(data) {
    const record = this.#connection.record;
    const previous = record.data;
    record.data = data;
    if (this.#connection.state !== WebSocketState.CONNECTED) return;
    try {
      this.#connection.persist();
    } catch (error) {
      record.data = previous;
      throw error;
    }
  }
  /**
   * Completes the WebSocket handshake: the 101 response is sent only now.
   * @throws WebSocketError on a second call, after `close()`, or for a subprotocol the client did not offer.
   */
  async accept(options) {
    this.#connection.accept(options?.subprotocol, options?.headers);
  }
  /** @throws WebSocketError before `accept()` or after `close()`; WebSocketDisconnect once the client has left. */
  sendText(text2) {
    if (typeof text2 !== "string") throw new TypeError(`sendText() takes a string, got ${typeof text2}`);
    this.#connection.send(text2);
  }
  /** @throws WebSocketError before `accept()` or after `close()`; WebSocketDisconnect once the client has left. */
  sendBytes(data) {
    if (!(data instanceof ArrayBuffer || ArrayBuffer.isView(data))) {
      throw new TypeError("sendBytes() takes an ArrayBuffer or a typed array");
    }
    this.#connection.send(data);
  }
  /** Sends `value` as compact JSON text. */
  sendJson(value) {
    const text2 = JSON.stringify(value);
    if (text2 === void 0) throw new TypeError(`sendJson() cannot serialize ${typeof value}`);
    this.#connection.send(text2);
  }
  /**
   * The next message, text or bytes.
   * @throws WebSocketDisconnect once the connection is closed; TimeoutError after `timeout` ms.
   */
  async receive(options) {
    return toMessage(await this.#connection.take(options));
  }
  /** The next message, which must be text. A binary frame raises a WebSocketError carrying it. */
  async receiveText(options) {
    const frame = await this.#connection.take(options);
    if (typeof frame !== "string") {
      throw new WebSocketError("Expected a text message, got a binary one", { frame: toMessage(frame) });
    }
    return frame;
  }
  /** The next message, which must be binary. A text frame raises a WebSocketError carrying it. */
  async receiveBytes(options) {
    const frame = await this.#connection.take(options);
    if (typeof frame === "string") {
      throw new WebSocketError("Expected a binary message, got a text one", { frame: toMessage(frame) });
    }
    return new Uint8Array(frame);
  }
  /** The next message, which must be JSON text. Bad JSON raises a WebSocketError carrying the frame. */
  async receiveJson(options) {
    const text2 = await this.receiveText(options);
    try {
      return JSON.parse(text2);
    } catch (error) {
      throw new WebSocketError("The text message is not valid JSON", { frame: toMessage(text2), cause: error });
    }
  }
  /**
   * Closes the connection (before `accept()`: refuses the upgrade with HTTP 403). Idempotent.
   * @throws RangeError for a code outside 1000-1003, 1007-1014, 3000-4999 or a reason over 123 UTF-8 bytes.
   */
  close(code = 1e3, reason = "") {
    this.#connection.close(code, reason);
  }
};

// ../src/durable-object/current-room.ts
import { AsyncLocalStorage } from "node:async_hooks";
var currentHost = new AsyncLocalStorage();
function runInRoomObject(host, callback) {
  return currentHost.run(host, callback);
}
__name(runInRoomObject, "runInRoomObject");
function currentRoomObject(operation) {
  const host = currentHost.getStore();
  if (host === void 0) {
    throw new Error(
      `WebSocketRoom.${operation}() runs only inside a WebSocket handler (in its room object); from Worker code, use app.room(env, name) instead`
    );
  }
  return host;
}
__name(currentRoomObject, "currentRoomObject");

// ../src/durable-object/membership.ts
var OPEN2 = 1;
function toIdSet(exclude) {
  if (exclude === void 0) return void 0;
  if (typeof exclude === "string") return /* @__PURE__ */ new Set([exclude]);
  return exclude instanceof Set ? exclude : new Set(exclude);
}
__name(toIdSet, "toIdSet");
var Membership = class {
  static {
    __name(this, "Membership");
  }
  #rooms = /* @__PURE__ */ new Map();
  constructor(sockets, recordOf) {
    for (const socket of sockets) {
      if (socket.readyState !== OPEN2) continue;
      const record = recordOf(socket);
      if (record === null || record.closing) continue;
      for (const room of record.rooms) this.add(room, record.id, socket);
    }
  }
  add(room, id, socket) {
    let members2 = this.#rooms.get(room);
    if (members2 === void 0) this.#rooms.set(room, members2 = /* @__PURE__ */ new Map());
    members2.set(id, socket);
  }
  remove(room, id) {
    const members2 = this.#rooms.get(room);
    if (members2?.delete(id) && members2.size === 0) this.#rooms.delete(room);
  }
  /** Sends to every member but the excluded; members whose socket is dead are dropped. */
  send(room, frame, exclude) {
    const members2 = this.#rooms.get(room);
    if (members2 === void 0) return;
    for (const [id, socket] of members2) {
      if (exclude?.has(id)) continue;
      try {
        socket.send(frame);
      } catch {
        this.remove(room, id);
      }
    }
  }
  /** The live members' sockets by id, after dropping dead ones. */
  members(room) {
    const members2 = this.#rooms.get(room);
    if (members2 === void 0) return /* @__PURE__ */ new Map();
    for (const [id, socket] of members2) {
      if (socket.readyState !== OPEN2) this.remove(room, id);
    }
    return members2;
  }
};

// ../src/durable-object/host.ts
var OPEN3 = 1;
var CLOSED2 = 3;
var NO_STATUS_RECEIVED = 1005;
var ABNORMAL_CLOSURE = 1006;
var TLS_HANDSHAKE_FAILURE = 1015;
var RoomHost = class {
  static {
    __name(this, "RoomHost");
  }
  #ctx;
  #env;
  #app;
  /** Connections whose handler is running, by their server socket. */
  #running = /* @__PURE__ */ new Map();
  #membership = null;
  constructor(ctx, env2, app) {
    this.#ctx = ctx;
    this.#env = env2;
    this.#app = app;
  }
  /** The upgrade request the Worker forwarded: resolves when the handler accepts or refuses. */
  upgrade(request) {
    const handoff = readHandoff(request);
    if (handoff === null) {
      return Promise.resolve(new Response("Room objects take only upgrades forwarded by the app's Worker", { status: 400 }));
    }
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Promise.resolve(new Response("Expected a WebSocket upgrade", { status: 426, headers: { Upgrade: "websocket" } }));
    }
    const route = this.#app.router.getRoute(handoff.route);
    if (route === void 0) {
      return Promise.resolve(new Response(`No WebSocket route ${handoff.route}`, { status: 404 }));
    }
    const url = new URL(request.url);
    const record = {
      id: crypto.randomUUID(),
      route: route.path,
      path: url.pathname,
      params: handoff.params,
      headers: clientHeaders(request.headers),
      search: url.search,
      clientHost: request.headers.get("cf-connecting-ip"),
      subprotocol: null,
      rooms: [],
      data: void 0,
      closing: false
    };
    const { 0: client, 1: server } = new WebSocketPair();
    return new Promise((resolve) => {
      const handshake = {
        accept: /* @__PURE__ */ __name((headers) => {
          this.#ctx.acceptWebSocket(server);
          resolve(new Response(null, { status: 101, webSocket: client, headers }));
        }, "accept"),
        refuse: /* @__PURE__ */ __name((status, message) => resolve(new Response(message, { status })), "refuse")
      };
      this.#run(this.#connect(record, server, handshake), route);
    });
  }
  message(socket, frame) {
    const connection = this.#running.get(socket) ?? this.#resume(socket);
    if (connection === void 0) return void 0;
    if (!connection.deliver(frame)) {
      console.warn(`[hypern] connection ${connection.record.id} on ${connection.record.route}: ${this.#app.limits.maxQueuedMessages} messages wait for the handler; closing with 1013`);
      connection.close(1013, "Message queue full: the handler is not keeping up");
      return void 0;
    }
    return connection.queue.untaken();
  }
  closed(socket, code, reason) {
    answerClose(socket, code, reason);
    const connection = this.#running.get(socket) ?? this.#resume(socket);
    if (connection === void 0) return void 0;
    connection.remoteClosed(code, reason);
    return connection.queue.untaken();
  }
  errored(socket, error) {
    return this.closed(socket, 1006, error instanceof Error ? error.message : String(error));
  }
  // Rooms, for WebSocketRoom.
  join(room, connection) {
    const { record } = connection;
    if (record.rooms.includes(room)) return;
    if (this.#running.get(connection.socket) !== connection) {
      throw new WebSocketError("This connection belongs to another room object (or its handler has ended)");
    }
    if (!connection.isOpen) throw new WebSocketError(`Cannot join room "${room}": the connection is ${connection.state}`);
    const membership = this.#members();
    record.rooms.push(room);
    try {
      connection.persist();
    } catch (error) {
      record.rooms.pop();
      throw error;
    }
    membership.add(room, record.id, connection.socket);
  }
  leave(room, connection) {
    const { record } = connection;
    const index = record.rooms.indexOf(room);
    if (index === -1) return;
    record.rooms.splice(index, 1);
    if (connection.isOpen) connection.persist();
    this.#members().remove(room, record.id);
  }
  /** Called by a connection the server closed or the client left: it is in no room any more. */
  forget(connection) {
    if (this.#membership === null) return;
    for (const room of connection.record.rooms) this.#membership.remove(room, connection.record.id);
  }
  members(room) {
    return this.#members().members(room);
  }
  broadcast(room, frame, exclude) {
    this.#members().send(room, frame, exclude);
  }
  // The whole object, for app.room(env, name) over RPC.
  /** Open sockets with their connection ids, dormant ones included. */
  *sockets() {
    for (const socket of this.#ctx.getWebSockets()) {
      if (socket.readyState !== OPEN3) continue;
      const record = this.#recordOf(socket);
      if (record !== null && !record.closing) yield [record.id, socket];
    }
  }
  /** Closes a connection whether its handler runs or not; a dormant one's handler is resumed to see it. */
  close(socket, code, reason) {
    (this.#running.get(socket) ?? this.#resume(socket))?.close(code, reason);
  }
  #members() {
    return this.#membership ??= new Membership(this.#ctx.getWebSockets(), (socket) => this.#recordOf(socket));
  }
  #recordOf(socket) {
    return this.#running.get(socket)?.record ?? readRecord(socket);
  }
  #connect(record, socket, handshake) {
    return new Connection({ record, socket, owner: this, queueCapacity: this.#app.limits.maxQueuedMessages, handshake });
  }
  /** A connection whose handler is not running (the object woke from hibernation): run it again. */
  #resume(socket) {
    const record = readRecord(socket);
    if (record === null || record.closing) return void 0;
    const route = this.#app.router.getRoute(record.route);
    if (route === void 0) {
      console.error(`[hypern] connection ${record.id}: its route ${record.route} no longer exists; closing with 1012`);
      if (socket.readyState === OPEN3) socket.close(1012, "Route no longer exists");
      return void 0;
    }
    const connection = this.#connect(record, socket);
    this.#run(connection, route);
    return connection;
  }
  #run(connection, route) {
    this.#running.set(connection.socket, connection);
    const ws = new WebSocket2(connection);
    runInRoomObject(this, () => invoke(route, ws, this.#env, this.#ctx)).then(
      () => this.#finished(connection),
      (error) => this.#finished(connection, error)
    );
  }
  #finished(connection, error) {
    this.#running.delete(connection.socket);
    if (error === void 0 || error instanceof WebSocketDisconnect) {
      connection.finish();
      return;
    }
    console.error(`[hypern] handler for ${connection.record.route} failed (connection ${connection.record.id}):`, error);
    connection.finish(error);
  }
};
async function invoke(route, ws, env2, ctx) {
  await route.handler(ws, env2, ctx);
}
__name(invoke, "invoke");
function answerClose(socket, code, reason) {
  if (socket.readyState === CLOSED2 || code === ABNORMAL_CLOSURE || code === TLS_HANDSHAKE_FAILURE) return;
  try {
    if (code === NO_STATUS_RECEIVED) socket.close();
    else socket.close(code, reason);
  } catch {
  }
}
__name(answerClose, "answerClose");

// ../src/durable-object/room-object.ts
function roomObjectClass(app) {
  return class RoomObject extends DurableObject2 {
    static {
      __name(this, "RoomObject");
    }
    #host;
    constructor(ctx, env2) {
      super(ctx, env2);
      this.#host = new RoomHost(ctx, env2, app);
    }
    fetch(request) {
      return this.#host.upgrade(request);
    }
    webSocketMessage(ws, message) {
      return this.#host.message(ws, message);
    }
    webSocketClose(ws, code, reason) {
      return this.#host.closed(ws, code, reason);
    }
    webSocketError(ws, error) {
      return this.#host.errored(ws, error);
    }
    roomBroadcast(frame, exclude = []) {
      const skip = new Set(exclude);
      let sent = 0;
      for (const [id, socket] of this.#host.sockets()) {
        if (skip.has(id)) continue;
        try {
          socket.send(frame);
          sent += 1;
        } catch {
        }
      }
      return sent;
    }
    roomCloseAll(code, reason) {
      assertCloseArguments(code, reason);
      for (const [, socket] of [...this.#host.sockets()]) this.#host.close(socket, code, reason);
    }
    roomConnections() {
      return [...this.#host.sockets()].map(([id]) => id);
    }
  };
}
__name(roomObjectClass, "roomObjectClass");

// ../src/options.ts
var DEFAULT_BINDING = "ROOMS";
function resolveLimits(limits) {
  const maxQueuedMessages = limits?.maxQueuedMessages ?? 1024;
  if (!Number.isInteger(maxQueuedMessages) || maxQueuedMessages < 1) {
    throw new RangeError(`limits.maxQueuedMessages must be a whole number >= 1, got ${String(maxQueuedMessages)}`);
  }
  return { maxQueuedMessages };
}
__name(resolveLimits, "resolveLimits");

// ../src/room-client.ts
var RoomClient = class {
  static {
    __name(this, "RoomClient");
  }
  #stub;
  /** @internal Made by `app.room(env, name)`. */
  constructor(stub) {
    this.#stub = stub;
  }
  /** Sends text to every connection; resolves with how many it was sent to. */
  async broadcast(text2, options) {
    if (typeof text2 !== "string") throw new TypeError(`broadcast() takes a string, got ${typeof text2}`);
    return this.#stub.roomBroadcast(text2, excludeList(options));
  }
  async broadcastJson(value, options) {
    const text2 = JSON.stringify(value);
    if (text2 === void 0) throw new TypeError(`broadcastJson() cannot serialize ${typeof value}`);
    return this.#stub.roomBroadcast(text2, excludeList(options));
  }
  async broadcastBytes(data, options) {
    if (!(data instanceof ArrayBuffer || ArrayBuffer.isView(data))) {
      throw new TypeError("broadcastBytes() takes an ArrayBuffer or a typed array");
    }
    return this.#stub.roomBroadcast(data, excludeList(options));
  }
  /** Closes every connection; the handlers see a WebSocketDisconnect with this code and reason. */
  async closeAll(code = 1e3, reason = "") {
    assertCloseArguments(code, reason);
    await this.#stub.roomCloseAll(code, reason);
  }
  /** Ids of the open connections. */
  async getConnections() {
    return this.#stub.roomConnections();
  }
  async size() {
    return (await this.#stub.roomConnections()).length;
  }
};
function excludeList(options) {
  const exclude = options?.exclude;
  if (exclude === void 0) return [];
  return typeof exclude === "string" ? [exclude] : [...exclude];
}
__name(excludeList, "excludeList");

// ../node_modules/itty-router/index.mjs
var e = /* @__PURE__ */ __name(({ base: e2 = "", routes: t = [], ...o2 } = {}) => ({ __proto__: new Proxy({}, { get: /* @__PURE__ */ __name((o3, r2, a, s) => (o4, ...n) => t.push([r2.toUpperCase(), RegExp(`^${(s = (e2 + o4).replace(/\/+(\/|$)/g, "$1")).replace(/(\/?\.?):(\w+)\+/g, "($1(?<$2>[^]+))").replace(/(\/?\.?):(\w+)/g, "($1(?<$2>[^$1/]+?))").replace(/\./g, "\\.").replace(/(\/?)\*/g, "($1.*)?")}/*$`), n, s]) && a, "get") }), routes: t, ...o2, async fetch(e3, ...o3) {
  let r2, a, s = new URL(e3.url), n = e3.query = { __proto__: null };
  for (let [e4, t2] of s.searchParams) n[e4] = n[e4] ? [].concat(n[e4], t2) : t2;
  for (let [n2, c, l, i] of t) if ((n2 == e3.method || "ALL" == n2) && (a = s.pathname.match(c))) {
    e3.params = a.groups || {}, e3.route = i;
    for (let t2 of l) if (null != (r2 = await t2(e3.proxy ?? e3, ...o3))) return r2;
  }
} }), "e");
var o = /* @__PURE__ */ __name((e2 = "text/plain; charset=utf-8", t) => (o2, r2 = {}) => {
  if (void 0 === o2 || o2 instanceof Response) return o2;
  const a = new Response(t?.(o2) ?? o2, r2.url ? void 0 : r2);
  return a.headers.set("content-type", e2), a;
}, "o");
var r = o("application/json; charset=utf-8", JSON.stringify);
var p = o("text/plain; charset=utf-8", String);
var f = o("text/html");
var u = o("image/jpeg");
var h = o("image/png");
var g = o("image/webp");

// ../src/router.ts
var WebSocketRoute = class {
  constructor(path, handler, options = {}) {
    this.path = path;
    this.handler = handler;
    this.options = options;
  }
  path;
  handler;
  options;
  static {
    __name(this, "WebSocketRoute");
  }
};
var WebSocketRouter = class {
  static {
    __name(this, "WebSocketRouter");
  }
  #routes = [];
  #byPath = /* @__PURE__ */ new Map();
  #patterns = e();
  /** Registers a handler; chainable. Params are typed from the path pattern. */
  route(path, handler, options) {
    this.addRoute(path, handler, options);
    return this;
  }
  /** Registers a handler and returns the route. */
  addRoute(path, handler, options) {
    if (typeof path !== "string" || !path.startsWith("/")) {
      throw new TypeError(`A route path must be a string starting with "/", got ${JSON.stringify(path)}`);
    }
    if (typeof handler !== "function") throw new TypeError(`The handler for ${path} must be a function`);
    if (this.#byPath.has(path)) throw new Error(`A WebSocket route for ${path} is already registered`);
    const route = new WebSocketRoute(path, handler, options ?? {});
    this.#routes.push(route);
    this.#byPath.set(path, route);
    this.#patterns.all(path);
    return route;
  }
  /** The handler registered for `path`: a pattern as registered, or else a concrete path it matches. */
  getHandler(path) {
    return (this.#byPath.get(path) ?? this.match(path)?.route)?.handler;
  }
  /** The route registered under exactly this pattern. */
  getRoute(pattern) {
    return this.#byPath.get(pattern);
  }
  /** All routes, in registration order. */
  getRoutes() {
    return [...this.#routes];
  }
  /** The first route whose pattern matches the concrete path. */
  match(pathname) {
    for (const [index, [, pattern]] of this.#patterns.routes.entries()) {
      const found = pattern.exec(pathname);
      if (found !== null) return { route: this.#routes[index], rawParams: { ...found.groups } };
    }
    return void 0;
  }
};

// ../src/app.ts
var MAX_ROOM_NAME_LENGTH = 512;
var Hypern = class {
  static {
    __name(this, "Hypern");
  }
  #router = new WebSocketRouter();
  #binding;
  #limits;
  #fallback;
  #roomObject;
  constructor(options = {}) {
    this.#binding = options.binding ?? DEFAULT_BINDING;
    this.#limits = resolveLimits(options.limits);
    this.#fallback = options.fallback;
  }
  /** Registers a WebSocket handler for a path pattern (`:name`, `:name?`, `:name+`, `*`). */
  ws(path, handler, options) {
    this.#router.addRoute(path, handler, options);
    return this;
  }
  /** Mounts every route of `router`, each path prefixed with `prefix`. */
  include(router, options = {}) {
    const prefix = (options.prefix ?? "").replace(/\/+$/, "");
    if (prefix !== "" && !prefix.startsWith("/")) throw new TypeError(`A prefix must start with "/", got "${prefix}"`);
    for (const route of router.getRoutes()) this.#router.addRoute(prefix + route.path, route.handler, route.options);
    return this;
  }
  /** The app's routes, as one router (for `getHandler`, `getRoutes`). */
  get router() {
    return this.#router;
  }
  /** The Worker's fetch handler: routes upgrades to their room objects. */
  fetch = /* @__PURE__ */ __name(async (request, env2, ctx) => {
    const url = new URL(request.url);
    const match = this.#router.match(url.pathname);
    if (match === void 0) {
      return this.#fallback ? this.#fallback(request, env2, ctx) : text(404, `No WebSocket route matches ${url.pathname}`);
    }
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return text(426, `${url.pathname} is a WebSocket endpoint: connect with a WebSocket client`, { Upgrade: "websocket" });
    }
    if (request.method !== "GET") return text(405, "A WebSocket upgrade must be a GET request", { Allow: "GET" });
    const params = decodeParams(match.rawParams);
    if (params === null) return text(400, "The path has malformed percent-encoding");
    const room = await this.#placement(match, params, request, url, env2);
    if (typeof room !== "string" || room === "" || room.length > MAX_ROOM_NAME_LENGTH) {
      return text(400, `Invalid room name: it must be 1 to ${MAX_ROOM_NAME_LENGTH} characters`);
    }
    return this.#stub(env2, room).fetch(withHandoff(request, { route: match.route.path, params }));
  }, "fetch");
  /** A room object seen from Worker code: broadcast into it, close it, list its connections (over RPC). */
  room(env2, name) {
    if (typeof name !== "string" || name === "") throw new TypeError("app.room() needs a non-empty room name");
    return new RoomClient(this.#stub(env2, name));
  }
  /** The Durable Object class bound to this app: `export class Rooms extends app.RoomObject {}`. */
  get RoomObject() {
    const app = { router: this.#router, limits: this.#limits };
    return this.#roomObject ??= roomObjectClass(app);
  }
  #placement(match, params, request, url, env2) {
    const place = match.route.options.room;
    return place === void 0 ? match.route.path : place({ params, request, url, env: env2 });
  }
  #stub(env2, name) {
    const namespace = env2?.[this.#binding];
    if (namespace === void 0 || typeof namespace.idFromName !== "function") {
      throw new Error(
        `No Durable Object binding "${this.#binding}" in env: add [[durable_objects.bindings]] name = "${this.#binding}" to wrangler.toml (class_name = your "extends app.RoomObject" class), or pass { binding } to new Hypern()`
      );
    }
    return namespace.get(namespace.idFromName(name));
  }
};
function decodeParams(raw) {
  const params = {};
  try {
    for (const [name, value] of Object.entries(raw)) {
      params[name] = value === void 0 ? void 0 : decodeURIComponent(value);
    }
  } catch {
    return null;
  }
  return params;
}
__name(decodeParams, "decodeParams");
function text(status, body, headers) {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });
}
__name(text, "text");

// ../src/room.ts
var WebSocketRoom = class {
  static {
    __name(this, "WebSocketRoom");
  }
  name;
  constructor(name = "default") {
    if (typeof name !== "string" || name === "") throw new TypeError("A WebSocketRoom needs a non-empty string name");
    this.name = name;
  }
  /** Adds the connection; a no-op if it is a member already (as it is after a resume). */
  join(ws) {
    currentRoomObject("join").join(this.name, connectionBehind(ws));
  }
  /** Removes the connection; a no-op if it is not a member. */
  leave(ws) {
    currentRoomObject("leave").leave(this.name, connectionBehind(ws));
  }
  broadcast(text2, options) {
    if (typeof text2 !== "string") throw new TypeError(`broadcast() takes a string, got ${typeof text2}`);
    currentRoomObject("broadcast").broadcast(this.name, text2, toIdSet(options?.exclude));
  }
  /** Broadcasts `value` as compact JSON text, serialized once for all members. */
  broadcastJson(value, options) {
    const text2 = JSON.stringify(value);
    if (text2 === void 0) throw new TypeError(`broadcastJson() cannot serialize ${typeof value}`);
    currentRoomObject("broadcastJson").broadcast(this.name, text2, toIdSet(options?.exclude));
  }
  broadcastBytes(data, options) {
    if (!(data instanceof ArrayBuffer || ArrayBuffer.isView(data))) {
      throw new TypeError("broadcastBytes() takes an ArrayBuffer or a typed array");
    }
    currentRoomObject("broadcastBytes").broadcast(this.name, data, toIdSet(options?.exclude));
  }
  /** Closes every member; the handlers of dormant members run again to see their disconnect. */
  closeAll(code = 1e3, reason = "") {
    assertCloseArguments(code, reason);
    const host = currentRoomObject("closeAll");
    for (const socket of [...host.members(this.name).values()]) host.close(socket, code, reason);
  }
  /** Ids of the members, dormant ones included. */
  getConnections() {
    return [...currentRoomObject("getConnections").members(this.name).keys()];
  }
  /** Number of members, dormant ones included. */
  get size() {
    return currentRoomObject("size").members(this.name).size;
  }
};

// worker/ours.ts
var ours = new Hypern({ binding: "OURS" });
var members = new WebSocketRoom("bench");
ours.ws(
  "/ours/echo/:room",
  async (ws) => {
    await ws.accept();
    try {
      for (; ; ) ws.sendText(await ws.receiveText());
    } catch (error) {
      if (!(error instanceof WebSocketDisconnect)) throw error;
    }
  },
  { room: /* @__PURE__ */ __name(({ params }) => `echo:${params.room}`, "room") }
);
ours.ws(
  "/ours/broadcast/:room",
  async (ws) => {
    await ws.accept();
    if (!ws.resumed) members.join(ws);
    try {
      for (; ; ) members.broadcast(await ws.receiveText(), { exclude: ws.id });
    } catch (error) {
      if (!(error instanceof WebSocketDisconnect)) throw error;
    }
    members.leave(ws);
  },
  { room: /* @__PURE__ */ __name(({ params }) => `broadcast:${params.room}`, "room") }
);

// worker/party.ts
var PartyRoom = class extends Server {
  static {
    __name(this, "PartyRoom");
  }
  static options = { hibernate: true };
  onMessage(connection, message) {
    if (this.name.startsWith("echo:")) connection.send(message);
    else this.broadcast(message, [connection.id]);
  }
};

// worker/raw.ts
import { DurableObject as DurableObject3 } from "cloudflare:workers";
var RawRoom = class extends DurableObject3 {
  static {
    __name(this, "RawRoom");
  }
  #echo;
  constructor(ctx, env2) {
    super(ctx, env2);
    this.#echo = ctx.id.name?.startsWith("echo:") ?? false;
  }
  fetch() {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }
  webSocketMessage(ws, message) {
    if (this.#echo) {
      ws.send(message);
      return;
    }
    for (const socket of this.ctx.getWebSockets()) {
      if (socket !== ws) socket.send(message);
    }
  }
  webSocketClose(ws, code, reason) {
    if (code !== 1005 && code !== 1006 && code !== 1015) ws.close(code, reason);
  }
};

// worker/index.ts
var OursRoom = class extends ours.RoomObject {
  static {
    __name(this, "OursRoom");
  }
};
var index_default = {
  async fetch(request, env2, ctx) {
    const [, implementation, scenario, room] = new URL(request.url).pathname.split("/");
    const name = `${scenario}:${room}`;
    switch (implementation) {
      case "ours":
        return ours.fetch(request, env2, ctx);
      case "raw":
        return env2.RAW.get(env2.RAW.idFromName(name)).fetch(request);
      case "party":
        return (await getServerByName(env2.PARTY, name)).fetch(request);
      default:
        return new Response("ok");
    }
  }
};
export {
  OursRoom,
  PartyRoom,
  RawRoom,
  index_default as default
};
//# sourceMappingURL=index.js.map
