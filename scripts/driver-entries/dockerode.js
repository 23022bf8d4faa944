// Entry point of dist/drivers/dockerode.js: the driver, bundled apart from the extension.
module.exports = require('dockerode');
