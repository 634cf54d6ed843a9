import type { Browser, BrowserContext, Page, WebSocketRoute } from "playwright-core";
import { expect } from "vitest";

/** For `expect.poll`: long enough for a slow shared machine; each wait ends as soon as its condition holds. */
export const UI_WAIT = { timeout: 20_000, interval: 100 };

export interface ShownMessage {
  author: string;
  text: string;
  own: boolean;
  /** Shown as said before this person joined (from the room's history). */
  earlier: boolean;
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  /** Install Playwright's clock in the page, so that a test can stop its timers (`page.clock.pauseAt`). */
  clock?: boolean;
  /** Route the page's chat connections through Playwright, so that a test can cut one (`cut`). */
  cuttable?: boolean;
}

/** One person's browser (its own context: its own storage) on the demo's chat page. */
export class ChatPage {
  readonly page: Page;
  readonly #context: BrowserContext;
  readonly #errors: string[] = [];
  /** The server's side of each chat connection, when the page is cuttable, newest last. */
  readonly #routes: WebSocketRoute[] = [];

  private constructor(context: BrowserContext, page: Page) {
    this.#context = context;
    this.page = page;
    page.on("pageerror", (error) => this.#errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") this.#errors.push(message.text());
    });
  }

  static async open(
    browser: Browser,
    origin: string,
    { viewport = { width: 400, height: 720 }, clock = false, cuttable = false }: PageOptions = {},
  ): Promise<ChatPage> {
    const context = await browser.newContext({ viewport });
    if (clock) await context.clock.install();
    const page = await context.newPage();
    const chat = new ChatPage(context, page);
    if (cuttable) await page.routeWebSocket(/\/chat\//, (socket) => void chat.#routes.push(socket.connectToServer()));
    await page.goto(origin);
    return chat;
  }

  /**
   * Cuts the page's newest chat connection as a network that goes away would, but with a code: the
   * server sees its client close with `code`, not 1000 or 1001, so the session may resume; the page
   * is told the same close, and reconnects.
   */
  async cut(code = 4000, reason = "the network went away"): Promise<void> {
    const route = this.#routes.at(-1);
    if (route === undefined) throw new Error("Open the page with { cuttable: true } to cut its connection");
    await route.close({ code, reason });
  }

  /** Fills in the form, joins, and waits for the server's welcome. */
  async join(name: string, room: string): Promise<void> {
    await this.page.getByLabel("Name", { exact: true }).fill(name);
    await this.page.getByLabel("Room", { exact: true }).fill(room);
    await this.page.getByRole("button", { name: "Join" }).click();
    await this.waitForNotice(`You joined #${room} as ${name}`);
  }

  /** Sends a message and waits until the page shows it as taken by the server. */
  async send(text: string): Promise<void> {
    await this.write(text);
    await expect.poll(() => this.pending(), UI_WAIT).not.toContain(text);
  }

  /** Sends a message and waits until the page shows it, taken by the server or not. */
  async write(text: string): Promise<void> {
    await this.page.getByLabel("Message", { exact: true }).fill(text);
    await this.page.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => this.messages(), UI_WAIT).toContainEqual(expect.objectContaining({ text, own: true }));
  }

  async waitForNotice(text: string | RegExp): Promise<void> {
    const matcher = typeof text === "string" ? text : expect.stringMatching(text);
    await expect.poll(() => this.notices(), UI_WAIT).toContainEqual(matcher);
  }

  async waitForMessage(author: string, text: string): Promise<void> {
    await expect.poll(() => this.messages(), UI_WAIT).toContainEqual({ author, text, own: false, earlier: false });
  }

  async waitForMembers(count: number): Promise<void> {
    await expect.poll(() => this.members(), UI_WAIT).toBe(count === 1 ? "1 person here" : `${count} people here`);
  }

  notices(): Promise<string[]> {
    return this.page.locator("#log li.notice").allTextContents();
  }

  messages(): Promise<ShownMessage[]> {
    return this.page.locator("#log li.message").evaluateAll((items) =>
      items.map((item) => ({
        author: item.querySelector(".author")?.textContent ?? "",
        text: item.querySelector(".text")?.textContent ?? "",
        own: item.classList.contains("own"),
        earlier: item.classList.contains("earlier"),
      })),
    );
  }

  /** The texts of your messages the page shows as not yet taken by the server. */
  pending(): Promise<string[]> {
    return this.page.locator("#log li.message.pending .text").allTextContents();
  }

  /** The names the page lists as present, in its order. */
  people(): Promise<string[]> {
    return this.page.locator("#people li").allTextContents();
  }

  async waitForPeople(names: readonly string[]): Promise<void> {
    await expect.poll(() => this.people(), UI_WAIT).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  }

  async members(): Promise<string> {
    return (await this.page.locator("#members").textContent()) ?? "";
  }

  async status(): Promise<string> {
    return (await this.page.locator("#status-text").textContent()) ?? "";
  }

  /** Script errors and console errors the page has had so far. */
  errors(): string[] {
    return [...this.#errors];
  }

  close(): Promise<void> {
    return this.#context.close();
  }
}
