// Prints a RESULT line that is not JSON, which Run must reject.
console.log('RESULT {not json');
