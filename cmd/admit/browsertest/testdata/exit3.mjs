// Fails without a browser, for testing how Run reports a failing script.
console.log('RESULT {"partial":true}');
console.error('something broke on purpose');
process.exit(3);
