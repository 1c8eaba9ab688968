module aotsandbox.dev/aotsandbox

go 1.19
