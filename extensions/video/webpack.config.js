// Merged into JupyterLab's extension build config (package.json `jupyterlab.webpackConfig`).
module.exports = {
  module: {
    // hls.js's UMD build starts its transmuxer worker from its own source text (`fn.toString()` into a Blob).
    // Parsed as CommonJS, its `module.exports` would become the bundler's module argument, which does not exist
    // inside the worker; left unparsed, the worker takes the UMD `define` branch of the prelude hls.js gives it.
    noParse: /[\\/]hls\.js[\\/]dist[\\/]hls\.js$/
  }
};
