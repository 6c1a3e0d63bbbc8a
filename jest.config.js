// One jest run over every extension; each package keeps its own config (jest.preset.js, from @jupyterlab/testing).
module.exports = {
  projects: ['<rootDir>/extensions/*/jest.config.js'],
  testTimeout: 10000
};
