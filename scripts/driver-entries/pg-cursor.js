// Entry point of dist/drivers/pg-cursor.js: pg's cursor (streams a result a batch at a time), loaded with pg.
module.exports = require('pg-cursor');
