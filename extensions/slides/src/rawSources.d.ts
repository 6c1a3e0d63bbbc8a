// reveal.js's UMD build as a string (see revealSources.ts); its stylesheets come as `*.css` (any) from modules.d.ts.
declare module '*.txt!=!reveal.js-dist/reveal.js' {
  const source: string;
  export default source;
}
