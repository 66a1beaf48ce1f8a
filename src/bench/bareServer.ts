// The HTTP ceilings of `npm run bench`: a bare Koa app on the port given as argv[2], answering
// OK to GET /iclock/getrequest (what iclockd's heartbeat path is measured against) and, to
// POST /api/v1/punches, reading and parsing the JSON body and answering a small JSON object
// (what HTTP alone costs a single-punch request, before any of iclockd's work).
import Koa from 'koa';
import getRawBody from 'raw-body';

const app = new Koa();
app.use(async (ctx) => {
  if (ctx.method === 'GET' && ctx.path === '/iclock/getrequest') {
    ctx.type = 'text/plain';
    ctx.body = 'OK';
  } else if (ctx.method === 'POST' && ctx.path === '/api/v1/punches') {
    const punch = JSON.parse(await getRawBody(ctx.req, { limit: 1 << 20, encoding: 'utf8' })) as { employee_id?: unknown };
    ctx.body = { success: true, employee_id: punch.employee_id ?? null };
  }
});
const server = app.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
