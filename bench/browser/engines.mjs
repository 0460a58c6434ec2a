// The browsers the bench and the tests drive: Debian's Chromium through playwright-core, Debian's
// Firefox ESR through puppeteer-core over WebDriver BiDi. Each launches headless and gives pages with
// goto/evaluate/waitFor(window.result)/on("console"), whichever driver is underneath.
import { existsSync } from "node:fs";

const hasResult = () => window.result !== undefined;

export const engines = [
  {
    id: "chromium", name: "Chromium", path: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    async launch() {
      const { chromium } = await import("playwright-core");
      const b = await chromium.launch({
        executablePath: this.path,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      });
      return {
        version: `Chromium ${b.version()}`,
        note: "headless, --no-sandbox --disable-gpu",
        newPage: () => b.newPage(),
        waitForResult: (p, timeout) => p.waitForFunction(hasResult, undefined, { timeout }),
        close: () => b.close(),
      };
    },
  },
  {
    id: "firefox", name: "Firefox", path: process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr",
    async launch() {
      const { default: puppeteer } = await import("puppeteer-core");
      // With a WebDriver BiDi session attached Firefox records async stacks, and every await costs ~3×
      // (issue 18's measurements); off, as a user's browser runs.
      const b = await puppeteer.launch({ browser: "firefox", executablePath: this.path, headless: true, extraPrefsFirefox: { "javascript.options.asyncstack": false } });
      const v = await b.version();
      return {
        version: v.replace(/^firefox\//i, "Firefox "),
        note: "headless, over WebDriver BiDi, javascript.options.asyncstack = false",
        newPage: () => b.newPage(),
        waitForResult: (p, timeout) => p.waitForFunction(hasResult, { timeout }),
        close: () => b.close(),
      };
    },
  },
];

/** The engines whose binary is there. */
export const available = () => engines.filter((e) => existsSync(e.path));
