/**
 * Draws a filled vega-lite spec to SVG (vega, in-process, no browser or canvas) and the SVG to PNG
 * (@resvg/resvg-js with the DejaVu fonts). Imported by the render workers and, for a few figures, by the
 * main thread; nothing else needs vega loaded.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { FONT } from './figure-specs.js';
import { findFonts, PNG_SCALE } from './fonts.js';

/** Renders a filled vega-lite spec to an SVG string. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const vg = compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterizes an SVG to PNG at `scale`, with the DejaVu fonts when present. */
export function svgToPng(svg: string, scale = PNG_SCALE): Buffer {
  const files = findFonts();
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'zoom', value: scale },
    font: { fontFiles: files, loadSystemFonts: files.length === 0, defaultFontFamily: FONT, sansSerifFamily: FONT },
  });
  return resvg.render().asPng();
}
