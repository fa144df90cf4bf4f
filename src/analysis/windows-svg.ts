/**
 * @file The window layout of MW-MHA decoder heads as SVG: one strip per head over the n patches in
 * flattened (time-major) order, windows drawn as alternating bands, global heads as one band.
 */

const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** SVG with one row per head: `windows[h]` = 0 (or n) is a global head. */
export const windowLayoutSvg = (windows: ReadonlyArray<number>, n: number, width = 760): string => {
  const rowH = 22;
  const label = 110;
  const cell = (width - label) / n;
  const rows = windows.map((w, h) => {
    const size = w === 0 ? n : w;
    const bands = Array.from({ length: Math.ceil(n / size) }, (_, k) => {
      const fill = w === 0 ? "#9ecae1" : k % 2 === 0 ? "#3182bd" : "#c6dbef";
      return `<rect x="${(label + k * size * cell).toFixed(2)}" y="${h * rowH + 2}" width="${(size * cell).toFixed(2)}" height="${rowH - 4}" fill="${fill}"/>`;
    });
    const name = w === 0 ? `head ${h}: global` : `head ${h}: w = ${w}`;
    return `<text x="0" y="${h * rowH + 15}" font-size="12" font-family="monospace">${escapeXml(name)}</text>${bands.join("")}`;
  });
  const height = windows.length * rowH;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${rows.join("")}</svg>`;
};
