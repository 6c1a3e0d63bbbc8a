/**
 * reveal.js's files as text, for inlining into an exported page. The bundler reads them as source through a
 * match resource (`<name>.txt!=!` / `<name>.raw.css!=!`: JupyterLab's builder turns `.txt` and `.raw.css` into
 * strings); `reveal.js-dist` is an alias for the package's `dist/` (webpack.config.js), since its `exports` map
 * does not export the UMD build. Each theme is its own lazy chunk.
 */
import revealJsSource from './reveal.txt!=!reveal.js-dist/reveal.js';
import revealCssSource from './reveal.raw.css!=!reveal.js/reveal.css';
import { IRiseOptions } from './riseOptions';

/** The UMD build: as a classic script it defines `window.Reveal`. */
export const revealJs: string = revealJsSource;
export const revealCss: string = revealCssSource;

/** A reveal.js theme stylesheet, by RISE theme name. */
export async function revealTheme(
  name: NonNullable<IRiseOptions['theme']>
): Promise<string> {
  switch (name) {
    case 'simple':
      return (await import('./simple.raw.css!=!reveal.js/theme/simple.css'))
        .default;
    case 'white':
      return (await import('./white.raw.css!=!reveal.js/theme/white.css'))
        .default;
    case 'black':
      return (await import('./black.raw.css!=!reveal.js/theme/black.css'))
        .default;
    case 'beige':
      return (await import('./beige.raw.css!=!reveal.js/theme/beige.css'))
        .default;
    case 'blood':
      return (await import('./blood.raw.css!=!reveal.js/theme/blood.css'))
        .default;
    case 'league':
      return (await import('./league.raw.css!=!reveal.js/theme/league.css'))
        .default;
    case 'moon':
      return (await import('./moon.raw.css!=!reveal.js/theme/moon.css'))
        .default;
    case 'night':
      return (await import('./night.raw.css!=!reveal.js/theme/night.css'))
        .default;
    case 'serif':
      return (await import('./serif.raw.css!=!reveal.js/theme/serif.css'))
        .default;
    case 'sky':
      return (await import('./sky.raw.css!=!reveal.js/theme/sky.css')).default;
    case 'solarized':
      return (
        await import('./solarized.raw.css!=!reveal.js/theme/solarized.css')
      ).default;
  }
  return '';
}
