// Merged into JupyterLab's extension build config (package.json `jupyterlab.webpackConfig`).
const path = require('path');

module.exports = {
  resolve: {
    alias: {
      // reveal.js's dist/ folder: the HTML export inlines its UMD build, which the package's `exports` map hides.
      // (`require.resolve('reveal.js')` is dist/reveal.js by the `require` condition.)
      'reveal.js-dist': path.dirname(require.resolve('reveal.js'))
    }
  }
};
