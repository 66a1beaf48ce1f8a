// The HTTP ceiling of `npm run bench`: a bare Koa app answering OK to GET /iclock/getrequest,
// on the port given as argv[2]. What iclockd's heartbeat path is measured against.
import Koa from 'koa';

const app = new Koa();
app.use((ctx) => {
  if (ctx.method === 'GET' && ctx.path === '/iclock/getrequest') {
    ctx.type = 'text/plain';
    ctx.body = 'OK';
  }
});
const server = app.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
