// Entry point of dist/drivers/neo4j-driver.js: the driver, bundled apart from the extension.
module.exports = require('neo4j-driver');
