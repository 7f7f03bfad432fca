const http = require('http');
// ${{ values.name }} answers on PORT.
http.createServer((req, res) => res.end(${{ values.name | dump }})).listen(process.env.PORT || 3000);
