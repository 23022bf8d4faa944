// Entry point of dist/drivers/ioredis.js: the driver, bundled apart from the extension.
module.exports = require('ioredis');
