/**
 * The font files and raster scale of the PNGs. Separate from render-figure.ts so that the cache key
 * (render-cache.ts) can name them without loading vega.
 */
import { existsSync } from 'node:fs';

const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu'];

/** PNG zoom: 2 is print-friendly. */
export const PNG_SCALE = 2;

let fontFiles: string[] | undefined;
/** The DejaVu font files present on this machine (none: resvg falls back to system fonts). */
export function findFonts(): string[] {
  fontFiles ??= FONT_DIRS.flatMap((d) => ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => `${d}/${f}`)).filter((f) => existsSync(f));
  return fontFiles;
}
