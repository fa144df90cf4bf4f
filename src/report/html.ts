/**
 * @file One self-contained HTML page from sections of markup: escaping, a small stylesheet inlined in
 * the head, a table of contents, and an atomic write (temporary file, fsync, rename), so a report is
 * either the old one or the new one, never half of each. Images go in as data URIs and figures as
 * inline SVG, so the page opens from anywhere with no other file beside it.
 */

import * as E from "fp-ts/lib/Either.js";
import { writeFileAtomic } from "../io/node.js";

/** Text made safe for HTML element content and double-quoted attributes. */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** One section of a report: an anchor, a heading and its body (markup, already escaped). */
export interface ReportSection {
  /** The anchor (`#id`); letters, digits and dashes. */
  readonly id: string;
  readonly title: string;
  readonly body: string;
}

export interface ReportPage {
  readonly title: string;
  /** A paragraph under the title (markup). */
  readonly intro: string;
  readonly sections: ReadonlyArray<ReportSection>;
}

const style = `
body { font: 14px/1.45 system-ui, sans-serif; max-width: 1040px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0 1em; } th, td { padding: .25em .8em; border-bottom: 1px solid #eee; }
th { text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { display: inline-block; margin: .5em 1em 1em 0; vertical-align: top; } figcaption { font-size: .9em; color: #555; max-width: 640px; }
img.spectrogram { image-rendering: pixelated; border: 1px solid #ccc; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: 12px; }
nav a { margin-right: 1em; }
`;

/**
 * The page as one HTML document.
 * @example
 * renderPage({ title: "Demo", intro: "<p>…</p>", sections: [{ id: "probe", title: "Probe", body: "<table>…</table>" }] });
 */
export const renderPage = (page: ReportPage): string =>
  [
    "<!doctype html>",
    '<html lang="en">',
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(page.title)}</title><style>${style}</style></head>`,
    "<body>",
    `<h1>${escapeHtml(page.title)}</h1>`,
    page.intro,
    `<nav>${page.sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join("")}</nav>`,
    ...page.sections.map((s) => `<section id="${s.id}">\n<h2>${escapeHtml(s.title)}</h2>\n${s.body}\n</section>`),
    "</body>",
    "</html>",
    "",
  ].join("\n");

/** A figure: markup (inline SVG, an image) with a caption (plain text). */
export const figure = (markup: string, caption: string): string =>
  `<figure>${markup}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;

/** An `<img>` of a data URI, at its natural size. */
export const image = (src: string, alt: string, className = ""): string =>
  `<img src="${src}" alt="${escapeHtml(alt)}"${className === "" ? "" : ` class="${className}"`}>`;

/** A table cell: text, or a formatted number (right-aligned). */
export type Cell = string | { readonly num: string };

/** A table from a header row and body rows. */
export const htmlTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<Cell>>): string =>
  [
    "<table>",
    `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`,
    ...rows.map(
      (r) =>
        `<tr>${r.map((c) => (typeof c === "string" ? `<td>${escapeHtml(c)}</td>` : `<td class="num">${escapeHtml(c.num)}</td>`)).join("")}</tr>`,
    ),
    "</table>",
  ].join("\n");

/**
 * Writes a page atomically; `Left` names the file and the reason.
 * @example
 * writeReport("runs/demo/report.html", renderPage(page));
 */
export const writeReport = (path: string, html: string): E.Either<string, void> =>
  E.mapLeft((e: { message: string }) => `${path}: ${e.message}`)(writeFileAtomic(path, html));
