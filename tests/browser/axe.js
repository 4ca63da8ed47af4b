// Checks HTML pages in the system Chromium, offline, and prints what it found as JSON
// (tests/test_accessibility.py reads it and decides):
//   node tests/browser/axe.js page.html [page.html ...]
// For each page:
//   keyboard  - every focus stop reached with Tab from the top; each <details> opened with
//               Enter on its summary, and whether its table then shows
//   widths    - at 1280, 640 and 320 CSS px (100%, 200% and 400% zoom of a 1280 px window):
//               the page's scroll width, and the size chart text is drawn at
//   axe       - at each of those widths, axe-core's WCAG 2.0/2.1/2.2 A and AA violations,
//               with every <details> open
//   charts    - each chart's accessible name and description, as the accessibility tree has them
// Environment: CHROMIUM (default /usr/bin/chromium). Nothing is fetched: the network is off.
'use strict';

const path = require('node:path');
const { pathToFileURL } = require('node:url');
const puppeteer = require('puppeteer-core');

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const WIDTHS = [1280, 640, 320];
const MAX_TAB_STOPS = 2000;

async function tabThrough(page) {
  const stops = [];
  await page.evaluate(() => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  for (let i = 0; i < MAX_TAB_STOPS; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate((index) => {
      const element = document.activeElement;
      if (!element || element === document.body || element.dataset.tabStop) return null;
      element.dataset.tabStop = String(index);
      const details = element.tagName === 'SUMMARY' ? element.parentElement : null;
      return {
        tag: element.tagName.toLowerCase(),
        role: element.getAttribute('role'),
        id: element.id || null,
        labelledby: element.getAttribute('aria-labelledby'),
        text: element.textContent.trim().slice(0, 80),
        summary: details !== null && !details.open,
      };
    }, i);
    if (stop === null) break;
    if (stop.summary) {
      await page.keyboard.press('Enter');
      stop.opened = await page.evaluate(() => {
        const details = document.activeElement.parentElement;
        const table = details.querySelector('table');
        return details.open && table !== null && table.getClientRects().length > 0;
      });
    }
    stops.push(stop);
  }
  return stops;
}

async function measure(page, width) {
  await page.setViewport({ width, height: 900 });
  return page.evaluate(() => {
    const sizes = [...document.querySelectorAll('svg.plot text')]
      .filter((text) => text.getClientRects().length > 0)
      .map((text) => parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a);
    return {
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      chartText: sizes.length ? { min: Math.min(...sizes), max: Math.max(...sizes) } : null,
    };
  });
}

async function runAxe(page) {
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return {
      version: window.axe.version,
      violations: result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 10),
      })),
    };
  }, TAGS);
}

async function charts(page) {
  // one walk of the accessibility tree: each image's name and description, in page order
  const images = [];
  const walk = (node) => {
    if (node.role === 'image') {
      images.push({ role: node.role, name: node.name ?? null, description: node.description ?? null });
    }
    (node.children || []).forEach(walk);
  };
  walk(await page.accessibility.snapshot({ interestingOnly: true }));
  const labelledby = await page.$$eval('svg[role="img"]', (all) => all.map((svg) => {
    const ids = (svg.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    return ids.map((id) => document.getElementById(id)?.textContent ?? null);
  }));
  return labelledby.map((titles, i) => ({ labelledby: titles, ...(images[i] || {}) }));
}

async function check(browser, file) {
  const page = await browser.newPage();
  try {
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(pathToFileURL(path.resolve(file)).href, { waitUntil: 'load' });
    const keyboard = await tabThrough(page);
    const details = await page.$$eval('details', (all) => all.length);
    await page.$$eval('details', (all) => all.forEach((d) => { d.open = true; }));
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const axe = {};
    const widths = {};
    for (const width of WIDTHS) {
      widths[width] = await measure(page, width);
      axe[width] = await runAxe(page);
    }
    return {
      page: file,
      details,
      regions: await page.$$eval('[role="region"]', (all) => all.length),
      keyboard,
      axe,
      widths,
      charts: await charts(page),
    };
  } finally {
    await page.close();
  }
}

async function main(files) {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--proxy-server=http://127.0.0.1:9',
      '--host-resolver-rules=MAP * ~NOTFOUND',
    ],
  });
  try {
    const pages = [];
    for (const file of files) pages.push(await check(browser, file));
    process.stdout.write(JSON.stringify({ chromium: await browser.version(), tags: TAGS, pages }));
  } finally {
    await browser.close();
  }
}

if (process.argv.length < 3) {
  process.stderr.write('usage: node axe.js page.html [page.html ...]\n');
  process.exit(2);
}
main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
