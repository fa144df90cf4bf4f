/**
 * @file The demo's report (`mwmae demo`): probe table and phase times, both loss curves, one
 * spectrogram with its mask and reconstructions, the window layout of every decoder head, and the
 * configuration, as one self-contained page. Pictures arrive rendered (SVG markup, PNG data URIs):
 * this file only arranges them, so it knows nothing of training or plotting.
 */

import { escapeHtml, figure, image, renderPage } from "./html.js";
import { phaseTableHtml, probeTableHtml, type Phase, type ProbeSummary } from "./probe-table.js";

/** A rendered picture and what it shows. */
export interface Picture {
  /** Inline SVG markup, or a `data:` URI for an image. */
  readonly markup: string;
  readonly caption: string;
}

export interface DemoReport {
  readonly title: string;
  /** One line: when, where, how long (plain text). */
  readonly subtitle: string;
  readonly probe: ProbeSummary;
  readonly phases: ReadonlyArray<Phase>;
  /** Inline SVGs, one per pre-training run. */
  readonly lossCurves: ReadonlyArray<Picture>;
  /** PNG data URIs: the input, the masked input, reconstructions. */
  readonly reconstruction: ReadonlyArray<Picture>;
  /** What the reconstruction pictures show (plain text). */
  readonly reconstructionNote: string;
  /** Inline SVGs, one per decoder. */
  readonly windows: ReadonlyArray<Picture>;
  /** Everything the runs and the probe were configured with (shown as JSON). */
  readonly config: unknown;
}

/** The ids of the report's sections, in order (tests look for them). */
export const demoSectionIds = ["probe", "loss", "reconstruction", "windows", "config"] as const;

/**
 * The report as one HTML document.
 * @example
 * writeReport(join(out, "report.html"), demoReportHtml(report));
 */
export const demoReportHtml = (r: DemoReport): string => {
  const [probe, loss, reconstruction, windows, config] = demoSectionIds;
  return renderPage({
    title: r.title,
    intro: `<p>${escapeHtml(r.subtitle)}</p>`,
    sections: [
      { id: probe, title: "Linear probe", body: `${probeTableHtml(r.probe)}\n<h3>Wall time per phase</h3>\n${phaseTableHtml(r.phases)}` },
      { id: loss, title: "Pre-training loss", body: r.lossCurves.map((p) => figure(p.markup, p.caption)).join("\n") },
      {
        id: reconstruction,
        title: "Masked spectrogram and reconstruction",
        body: `<p>${escapeHtml(r.reconstructionNote)}</p>\n${r.reconstruction.map((p) => figure(image(p.markup, p.caption, "spectrogram"), p.caption)).join("\n")}`,
      },
      { id: windows, title: "Decoder window layout", body: r.windows.map((p) => figure(p.markup, p.caption)).join("\n") },
      { id: config, title: "Configuration", body: `<pre>${escapeHtml(JSON.stringify(r.config, null, 2))}</pre>` },
    ],
  });
};
