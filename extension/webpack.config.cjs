// Merged into JupyterLab's builder config. plotly.js-dist-min ships minified: parsing and minifying its
// 4.6 MB again cost minutes of CPU for no smaller output, and our own code is small either way.
module.exports = {
  module: { noParse: /plotly\.js-dist-min/ },
  optimization: { minimize: false },
};
