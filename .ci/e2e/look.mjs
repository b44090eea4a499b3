// Dev helper (not part of CI): screenshots of the explorer at a URL hash. node look.mjs BINARY OUTDIR [hash] [dpr] [width]
import { spawn } from "node:child_process";
import { chromium } from "playwright-core";
const [binary, out, hash = "", dpr = "1", width = "1280"] = process.argv.slice(2);
const server = spawn(binary, ["serve", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((res) => server.stdout.on("data", (d) => { const m = String(d).match(/http:\/\/127\.0\.0\.1:\d+\//); if (m) res(m[0]); }));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: +width, height: 800 }, deviceScaleFactor: +dpr });
  page.on("console", (m) => { if (!m.text().includes("GPU stall")) console.log("console:", m.type(), m.text()); });
  page.on("pageerror", (e) => console.log("pageerror:", String(e)));
  await page.goto(url + hash);
  await page.waitForTimeout(2500);
  await page.screenshot({ path: out + "/shot.png", fullPage: true });
  await page.locator("#view3d-box").screenshot({ path: out + "/view3d.png" });
  console.log(await page.evaluate(() => document.getElementById("runs").tBodies[0].textContent + " | " + document.getElementById("hint").textContent));
} finally { await browser.close(); server.kill("SIGINT"); }
