// Prints two results around ordinary output, and echoes one variable, for
// testing Run's parsing and environment without a browser.
console.log('starting');
console.log(`RESULT ${JSON.stringify({ n: 1, greeting: process.env.GREETING })}`);
console.log('between');
console.log(`RESULT ${JSON.stringify({ n: 2, screenshots: process.env.SCREENSHOT_DIR })}`);
