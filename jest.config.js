// One jest run over every extension; each package keeps its own config (preset from @jupyterlab/testing).
module.exports = {
  projects: ['<rootDir>/extensions/*/jest.config.js']
};
