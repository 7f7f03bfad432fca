const http = require('http');
// orders-api answers on PORT.
http.createServer((req, res) => res.end("orders-api")).listen(process.env.PORT || 3000);
