// Entry point of dist/drivers/pg.js: the driver, bundled apart from the extension.
module.exports = require('pg');
