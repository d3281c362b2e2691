#!/usr/bin/env node
// A small Slope client in Node.js with @grpc/grpc-js and @grpc/proto-loader.
//
//   npm install
//   node slope_client.js localhost:50051
//
// The .proto files are loaded at run time from ../../../proto (or
// SLOPE_PROTO_DIR), so there is no code generation step.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const protoDir = process.env.SLOPE_PROTO_DIR ||
    path.join(__dirname, '..', '..', '..', 'proto');

function loadSlope() {
  const definition = protoLoader.loadSync(
      ['slope/v1/calculus.proto', 'slope/v1/info.proto'], {
        includeDirs: [protoDir],
        keepCase: false,  // lowerCamelCase fields, as in JSON
        longs: Number,
        enums: String,
        defaults: true,
      });
  return grpc.loadPackageDefinition(definition).slope.v1;
}

// Wraps a unary method in a promise with a 10 s deadline.
function call(client, method, request) {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + 10000);
    client[method](request, {deadline}, (error, response) =>
      error ? reject(error) : resolve(response));
  });
}

async function main() {
  const address = process.argv[2] || 'localhost:50051';
  const slope = loadSlope();
  const credentials = grpc.credentials.createInsecure();
  const info = new slope.InfoService(address, credentials);
  const calculus = new slope.CalculusService(address, credentials);

  const server = await call(info, 'getServerInfo', {});
  console.log(`server ${server.version}: ${server.threads} threads, ` +
              `${server.functions.length} functions`);
  if (process.argv.includes('--info-only')) return;

  const d = await call(calculus, 'differentiate',
      {expression: 'x^2', variable: 'x', point: {x: 3}});
  console.log(`d/dx x^2 = ${d.formula} = ${d.value} at x = 3`);

  const g = await call(calculus, 'gradient',
      {expression: 'x^2 + y^2', point: {x: 1, y: 2}});
  const partials = g.variables.map((v) => `d/d${v} = ${g.gradient[v]}`);
  console.log(`gradient of x^2 + y^2 at (1, 2): ${partials.join(', ')}`);

  const points = [[0, 0], [1, 2], [-1.5, 0.5]];
  const batch = await call(calculus, 'evaluateBatch', {
    expression: 'x*y + sin(x)', variables: ['x', 'y'],
    points: points.flat(), gradient: true,
  });
  points.forEach((p, i) => {
    const grad = batch.gradients.slice(2 * i, 2 * i + 2);
    console.log(`f(${p}) = ${batch.values[i].toPrecision(6)}, ` +
                `grad = (${grad.map((x) => x.toPrecision(6)).join(', ')})`);
  });

  try {
    await call(calculus, 'evaluate', {expression: 'x +* 2'});
  } catch (error) {
    console.log(`a bad expression: ${grpc.status[error.code]}: ${error.details}`);
  }
}

main().catch((error) => {
  console.error(`slope_client: ${error.message}`);
  process.exit(1);
});
