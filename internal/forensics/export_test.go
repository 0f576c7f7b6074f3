package forensics

// WholeProb exposes wholeProb to the tests.
var WholeProb = wholeProb
