/** Java client of the ACGS Sandbox Controller's HTTP API. */
package dev.acgs.sandbox.client;
