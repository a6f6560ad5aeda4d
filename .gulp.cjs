// gulp-cli reads its config from JavaScript only (a .gulp.json is ignored); .cjs is CommonJS in any package.
module.exports = { preload: ['sucrase/register/ts'] }
