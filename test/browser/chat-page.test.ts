import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { postApi, startDemo } from "../e2e/demo-server.js";
import type { DevServer } from "../e2e/wrangler-dev.js";
import type { PageOptions } from "./chat-page.js";
import { ChatPage, UI_WAIT } from "./chat-page.js";
import { launchChromium } from "./chromium.js";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/browser", import.meta.url));

let server: DevServer;
/** Awaited by every test, so that without Chromium each test fails with the reason (none is skipped). */
let browser: Promise<Browser>;
let opened: ChatPage[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = launchChromium();
  browser.catch(() => {}); // Handled: the tests await it and fail with its error.
  server = await startDemo();
});

afterEach(async () => {
  const errors = opened.flatMap((chat) => chat.errors());
  await Promise.all(opened.map((chat) => chat.close()));
  opened = [];
  expect(errors, "errors in the pages").toEqual([]);
});

afterAll(async () => {
  await browser?.then(
    (launched) => launched.close(),
    () => {},
  );
  await server?.stop();
});

async function openPage(options?: PageOptions): Promise<ChatPage> {
  const chat = await ChatPage.open(await browser, server.origin, options);
  opened.push(chat);
  return chat;
}

async function joined(name: string, room: string, options?: PageOptions): Promise<ChatPage> {
  const chat = await openPage(options);
  await chat.join(name, room);
  return chat;
}

// Every run starts a fresh wrangler dev with empty storage, so each test only needs room names of its own.
describe("the chat page in headless Chromium, served by wrangler dev", () => {
  it("lets two people in one room exchange messages and see each other join and leave", async () => {
    const room = "general";
    const alice = await joined("alice", room);
    await alice.waitForMembers(1);
    const bob = await joined("bob", room);
    await bob.waitForMembers(2);
    await bob.waitForPeople(["alice", "bob"]);
    await alice.waitForNotice("bob joined");
    await alice.waitForMembers(2);
    await alice.waitForPeople(["alice", "bob"]);

    await alice.send("hi bob");
    await bob.waitForMessage("alice", "hi bob");
    await bob.send("hello alice");
    await alice.waitForMessage("bob", "hello alice");
    expect(await alice.messages()).toEqual([
      { author: "alice", text: "hi bob", own: true, earlier: false },
      { author: "bob", text: "hello alice", own: false, earlier: false },
    ]);
    expect(await alice.status()).toBe("Connected");

    await bob.close();
    await alice.waitForNotice("bob left");
    await alice.waitForMembers(1);
    await alice.waitForPeople(["alice"]);
    expect(await alice.notices()).toEqual([`You joined #${room} as alice`, "bob joined", "bob left"]);
  });

  it("keeps rooms apart, and moves a person over when they switch rooms", async () => {
    const [roomA, roomB] = ["room-a", "room-b"];
    const carol = await joined("carol", roomB);
    const alice = await joined("alice", roomA);
    const bob = await joined("bob", roomA);
    await alice.waitForNotice("bob joined");
    await alice.send("only for room a");
    await bob.waitForMessage("alice", "only for room a");
    await carol.send("only for room b");

    expect(await carol.notices()).toEqual([`You joined #${roomB} as carol`]);
    expect(await carol.messages()).toEqual([{ author: "carol", text: "only for room b", own: true, earlier: false }]);
    expect(await bob.messages()).toEqual([{ author: "alice", text: "only for room a", own: false, earlier: false }]);

    await carol.join("carol", roomA);
    expect(carol.page.url()).toBe(`${server.origin}/?room=${roomA}`);
    await carol.waitForMembers(3);
    // Room a's log, not room b's: what was said there before carol came.
    expect(await carol.notices()).toEqual([
      "1 earlier message, from before you joined",
      `You joined #${roomA} as carol`,
    ]);
    expect(await carol.messages()).toEqual([{ author: "alice", text: "only for room a", own: false, earlier: true }]);
    for (const person of [alice, bob]) await person.waitForNotice("carol joined");

    await carol.send("made it to room a");
    for (const person of [alice, bob]) await person.waitForMessage("carol", "made it to room a");
  });

  it("shows a page that reloads as left, then joined again, to the others", async () => {
    const room = "reload";
    const alice = await joined("alice", room);
    const bob = await joined("bob", room);
    await alice.waitForNotice("bob joined");

    await bob.page.reload();
    // The room is in the address and the name in local storage: the page goes straight back in.
    await bob.waitForNotice(`You joined #${room} as bob`);
    await expect
      .poll(() => alice.notices(), UI_WAIT)
      .toEqual([`You joined #${room} as alice`, "bob joined", "bob left", "bob joined"]);
    await alice.waitForMembers(2);

    await bob.send("back again");
    await alice.waitForMessage("bob", "back again");
  });

  it("shows a late joiner the room's recent messages as earlier ones, then the live ones", async () => {
    const room = "late";
    const alice = await joined("alice", room);
    const bob = await joined("bob", room);
    await alice.send("anyone here?");
    await bob.send("me");
    const pushed = await postApi(server, `/api/rooms/${room}/messages`, { text: "maintenance at noon" });
    expect(await pushed.json()).toEqual({ delivered: 2 });
    await bob.waitForMessage("server", "maintenance at noon");

    const carol = await joined("carol", room);
    await carol.waitForPeople(["alice", "bob", "carol"]);
    expect(await carol.notices()).toEqual([
      "3 earlier messages, from before you joined",
      `You joined #${room} as carol`,
    ]);
    expect(await carol.messages()).toEqual([
      { author: "alice", text: "anyone here?", own: false, earlier: true },
      { author: "bob", text: "me", own: false, earlier: true },
      { author: "server", text: "maintenance at noon", own: false, earlier: true },
    ]);
    // Shown with the time each was said.
    const times = await carol.page
      .locator("#log li.message.earlier time")
      .evaluateAll((items) => items.map((item) => item.getAttribute("datetime")));
    for (const time of times) expect(Math.abs(Date.now() - Date.parse(time ?? ""))).toBeLessThan(60_000);

    await alice.send("welcome, carol");
    await carol.waitForMessage("alice", "welcome, carol");
    await carol.send("thanks");
    for (const person of [alice, bob]) await person.waitForMessage("carol", "thanks");
    expect(await carol.messages()).toHaveLength(5);
  });

  it(
    "resumes after the server restarts the room: says so in one line once back, shows once what was " +
      "said meanwhile, sends what was written",
    async () => {
      const room = "lobby";
      // Alice's page runs on Playwright's clock, so that the test can keep it away as long as it needs.
      const alice = await joined("alice", room, { clock: true });
      const bob = await joined("bob", room);
      await alice.waitForNotice("bob joined");
      await bob.send("see you after the restart");
      await alice.waitForMessage("bob", "see you after the restart");
      // Alice's own message is the room's last before the restart: a replay would bring it back to her.
      await alice.send("me too");
      await bob.waitForMessage("alice", "me too");

      // From here no timer of alice's page fires: the close reaches it, its reconnect waits for the clock.
      await alice.page.clock.pauseAt(Date.now() + 100);
      const response = await postApi(server, `/api/rooms/${room}/close`);
      expect(response.status).toBe(204);
      await expect.poll(() => alice.status(), UI_WAIT).toMatch(/^Reconnecting in /);
      await bob.waitForNotice("Reconnected after a restart: nothing missed");

      // While alice is away: bob talks, the HTTP API pushes, and alice writes (her page keeps it for later).
      await bob.send("said while you were away");
      const pushed = await postApi(server, `/api/rooms/${room}/messages`, { text: "pushed while you were away" });
      expect(await pushed.json()).toEqual({ delivered: 1 });
      await alice.write("written while away");
      expect(await alice.pending()).toEqual(["written while away"]);
      expect(await alice.status()).toMatch(/^Reconnecting in /);

      await alice.page.clock.resume();
      await alice.waitForNotice("Reconnected after a restart: 2 messages you missed are shown above");
      await bob.waitForMessage("alice", "written while away");
      await expect.poll(() => alice.pending(), UI_WAIT).toEqual([]);
      for (const person of [alice, bob]) await person.waitForPeople(["alice", "bob"]);
      expect(await alice.status()).toBe("Connected");

      // Each message once, in the order said; what alice wrote while away after what she missed.
      expect(await alice.messages()).toEqual([
        { author: "bob", text: "see you after the restart", own: false, earlier: false },
        { author: "alice", text: "me too", own: true, earlier: false },
        { author: "alice", text: "written while away", own: true, earlier: false },
        { author: "bob", text: "said while you were away", own: false, earlier: false },
        { author: "server", text: "pushed while you were away", own: false, earlier: false },
      ]);
      expect(await alice.notices()).toEqual([
        `You joined #${room} as alice`,
        "bob joined",
        "Reconnected after a restart: 2 messages you missed are shown above",
      ]);
      expect(await bob.notices()).toEqual([
        `You joined #${room} as bob`,
        "Reconnected after a restart: nothing missed",
      ]);
      expect(await bob.messages()).toEqual([
        { author: "bob", text: "see you after the restart", own: true, earlier: false },
        { author: "alice", text: "me too", own: false, earlier: false },
        { author: "bob", text: "said while you were away", own: true, earlier: false },
        { author: "server", text: "pushed while you were away", own: false, earlier: false },
        { author: "alice", text: "written while away", own: false, earlier: false },
      ]);

      await alice.send("still here?");
      await bob.waitForMessage("alice", "still here?");
      await bob.send("yes");
      await alice.waitForMessage("bob", "yes");
      await alice.page.screenshot({ path: join(ARTIFACTS, "chat.png") });
    },
  );

  it(
    "goes through a restart with one short line on each page: nobody left or came back, the same " +
      "people, every message once",
    async () => {
      const room = "restart";
      const people = ["alice", "bob", "carol"];
      const [alice, bob, carol] = [await joined("alice", room), await joined("bob", room), await joined("carol", room)];
      const pages = [alice, bob, carol] as const;
      for (const page of pages) await page.waitForPeople(people);
      await alice.send("before the restart");
      for (const page of [bob, carol]) await page.waitForMessage("alice", "before the restart");
      const noticesBefore = await Promise.all(pages.map((page) => page.notices()));

      expect((await postApi(server, `/api/rooms/${room}/close`)).status).toBe(204);
      // Written while the pages may not yet know of the restart, or are reconnecting: kept, and sent once back.
      await bob.write("during the restart");
      for (const page of pages) await page.waitForNotice(/^Reconnected after a restart: /);
      await carol.send("after the restart");
      for (const page of [alice, carol]) await page.waitForMessage("bob", "during the restart");
      for (const page of [alice, bob]) await page.waitForMessage("carol", "after the restart");
      for (const page of pages) await page.waitForPeople(people);

      for (const [index, page] of pages.entries()) {
        const name = people[index];
        // The notices before the restart, and then exactly one line.
        const notices = await page.notices();
        expect(notices.slice(0, noticesBefore[index]!.length), name).toEqual(noticesBefore[index]);
        expect(notices.slice(noticesBefore[index]!.length), name).toEqual([
          expect.stringMatching(/^Reconnected after a restart: (nothing missed|1 message you missed is shown above)$/),
        ]);
        expect(
          notices.filter((line) => / left$| is back$/.test(line)),
          name,
        ).toEqual([]);
        expect(await page.status(), name).toBe("Connected");
        const texts = (await page.messages()).map(({ text }) => text);
        for (const text of ["before the restart", "during the restart", "after the restart"])
          expect(
            texts.filter((one) => one === text),
            `${name}: ${text}`,
          ).toHaveLength(1);
      }
    },
  );

  it("after a restart, shows someone who really leaves leaving once, and lists them no more", async () => {
    const room = "restart-then-leave";
    const [alice, bob, carol] = [await joined("alice", room), await joined("bob", room), await joined("carol", room)];
    for (const page of [alice, bob, carol]) await page.waitForPeople(["alice", "bob", "carol"]);
    expect((await postApi(server, `/api/rooms/${room}/close`)).status).toBe(204);
    for (const page of [alice, bob, carol]) await page.waitForNotice(/^Reconnected after a restart: /);

    // Carol goes to another room: her session ends, and she leaves this one for good.
    await carol.join("carol", "elsewhere");
    for (const page of [alice, bob]) {
      await page.waitForNotice("carol left");
      await page.waitForPeople(["alice", "bob"]);
      expect((await page.notices()).filter((line) => line.startsWith("carol "))).toEqual([
        "carol joined",
        "carol left",
      ]);
    }
    expect(await alice.members()).toBe("2 people here");
  });

  it("shows someone whose connection dropped as away, not gone, and says nothing when they come back", async () => {
    const room = "away";
    const alice = await joined("alice", room, { clock: true, cuttable: true });
    const bob = await joined("bob", room);
    await bob.waitForPeople(["alice", "bob"]);

    // Alice's network goes: the server sees her close with 4000, and keeps her session. Her page's
    // timers stop, so she stays away until the clock goes on.
    await alice.page.clock.pauseAt(Date.now() + 100);
    await alice.cut(4000, "the network went away");
    await bob.waitForPeople(["alice (away)", "bob"]);
    expect(await bob.members()).toBe("1 person here, 1 away");
    expect(await bob.page.locator("#people li.away").allTextContents()).toEqual(["alice (away)"]);

    await alice.page.clock.resume();
    await alice.waitForNotice("Reconnected: nothing missed");
    await bob.waitForPeople(["alice", "bob"]);
    expect(await bob.members()).toBe("2 people here");
    expect(await bob.notices()).toEqual([`You joined #${room} as bob`]);
    await alice.send("back from the tunnel");
    await bob.waitForMessage("alice", "back from the tunnel");
  });

  it("refuses a room name the server would refuse, in the form and without connecting", async () => {
    const chat = await openPage();
    const sockets: string[] = [];
    chat.page.on("websocket", (socket) => sockets.push(socket.url()));
    const room = chat.page.getByLabel("Room", { exact: true });
    const problem = chat.page.locator("#room-problem");
    const spaces = "A room name cannot contain spaces. Use letters, digits or _ . : @ ~ - /.";

    await chat.page.getByLabel("Name", { exact: true }).fill("alice");
    await room.fill("my room");
    await chat.page.getByRole("button", { name: "Join" }).click();
    await expect.poll(() => problem.textContent(), UI_WAIT).toBe(spaces);
    expect(await problem.isVisible()).toBe(true);
    expect(await room.getAttribute("aria-invalid")).toBe("true");
    expect(await room.getAttribute("aria-describedby")).toBe("room-problem");
    expect(await room.evaluate((input: HTMLInputElement) => input.validationMessage)).toBe(spaces);
    expect(await chat.page.evaluate(() => document.activeElement?.id)).toBe("room");
    expect(await chat.status()).toBe("Not connected");
    expect(chat.page.url()).toBe(`${server.origin}/`);
    await chat.page.screenshot({ path: join(ARTIFACTS, "chat-room-name.png") });

    await chat.join("alice", "my-room");
    expect(await problem.isVisible()).toBe(false);
    expect(await room.getAttribute("aria-invalid")).toBeNull();

    // From the address, as a shared link: the remembered name would go straight in, but not to this room.
    await chat.page.goto(`${server.origin}/?room=${encodeURIComponent("#general")}`);
    await expect
      .poll(() => problem.textContent(), UI_WAIT)
      .toBe("A room name cannot contain “#”. Use letters, digits or _ . : @ ~ - /.");
    expect(await chat.status()).toBe("Not connected");
    expect(sockets).toEqual([`${server.wsOrigin}/chat/my-room?name=alice`]);
  });

  it("fits a phone-width screen", async () => {
    const room = "phone";
    const phone = await openPage({ viewport: { width: 360, height: 640 } });
    await phone.join("a-rather-long-display-name-here", room);
    await phone.send(`a long message without spaces: ${"x".repeat(200)}`);

    const layout = await phone.page.evaluate(() => ({
      pageWidth: document.documentElement.scrollWidth,
      viewportWidth: window.innerWidth,
      sendBottom: document.getElementById("send")?.getBoundingClientRect().bottom ?? Infinity,
      viewportHeight: window.innerHeight,
    }));
    expect(layout.pageWidth).toBeLessThanOrEqual(layout.viewportWidth);
    expect(layout.sendBottom).toBeLessThanOrEqual(layout.viewportHeight);
    await phone.page.screenshot({ path: join(ARTIFACTS, "chat-phone.png") });
  });
});
