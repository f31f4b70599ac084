/// The OpenAPI 3 description of every endpoint, served at `/openapi.json` and
/// validated in CI. Later modules add their paths here.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "Rapport API",
    "version": "0.1.0",
    "description": "Rapport's HTTP API: Segment-compatible event collection (HTTP Tracking API), the admin API for profiles, and operations endpoints."
  },
  "servers": [{"url": "http://127.0.0.1:8080"}],
  "components": {
    "securitySchemes": {
      "writeKey": {"type": "http", "scheme": "basic", "description": "The source's write key as the user name, empty password. The key may also be sent as writeKey in the body."},
      "apiToken": {"type": "http", "scheme": "bearer", "description": "An API token made with `rapport tokens create --role ROLE`."}
    },
    "schemas": {
      "Error": {
        "type": "object", "required": ["success", "code", "message"],
        "properties": {"success": {"type": "boolean", "enum": [false]}, "code": {"type": "string"}, "message": {"type": "string"}}
      },
      "IngestResult": {
        "type": "object", "required": ["success"],
        "properties": {
          "success": {"type": "boolean"},
          "accepted": {"type": "integer", "description": "Messages stored or already stored (present only when some were rejected)."},
          "rejected": {"type": "array", "items": {"type": "object", "properties": {
            "index": {"type": "integer"}, "messageId": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}}}}
        }
      },
      "Message": {
        "type": "object", "description": "A Segment-spec message (identify, track, page, screen, group, alias).",
        "properties": {
          "type": {"type": "string", "enum": ["identify", "track", "page", "screen", "group", "alias"]},
          "messageId": {"type": "string"}, "userId": {"type": "string"}, "anonymousId": {"type": "string"},
          "previousId": {"type": "string"}, "groupId": {"type": "string"}, "event": {"type": "string"}, "name": {"type": "string"},
          "traits": {"type": "object", "additionalProperties": true}, "properties": {"type": "object", "additionalProperties": true},
          "context": {"type": "object", "additionalProperties": true},
          "timestamp": {"type": "string", "format": "date-time"}, "originalTimestamp": {"type": "string", "format": "date-time"},
          "sentAt": {"type": "string", "format": "date-time"}, "writeKey": {"type": "string"}
        },
        "additionalProperties": true
      },
      "Batch": {
        "type": "object", "required": ["batch"],
        "properties": {
          "batch": {"type": "array", "maxItems": 2500, "items": {"$ref": "#/components/schemas/Message"}},
          "sentAt": {"type": "string", "format": "date-time"}, "context": {"type": "object", "additionalProperties": true},
          "writeKey": {"type": "string"}
        }
      },
      "Profile": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"}, "createdAt": {"type": "string", "format": "date-time"},
          "mergedProfiles": {"type": "array", "items": {"type": "integer"}},
          "identifiers": {"type": "array", "items": {"type": "object", "properties": {
            "kind": {"type": "string"}, "value": {"type": "string"}, "profileId": {"type": "integer"}, "firstSeen": {"type": "string"}}}},
          "traits": {"type": "object", "additionalProperties": {"type": "object", "properties": {"value": {}, "setAt": {"type": "string"}}}},
          "aggregates": {"type": "object", "additionalProperties": true},
          "merges": {"type": "array", "items": {"$ref": "#/components/schemas/Merge"}}
        }
      },
      "Merge": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"}, "from": {"type": "integer"}, "into": {"type": "integer"}, "identifier": {"type": "string"},
          "messageId": {"type": "string"}, "seq": {"type": "integer"}, "at": {"type": "string"},
          "undoneAt": {"type": "string", "nullable": true}, "undoneBy": {"type": "string", "nullable": true}
        }
      }
    },
    "responses": {
      "Ingested": {"description": "Stored durably (or already stored).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestResult"}}}},
      "BadRequest": {"description": "Invalid input.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unauthorized": {"description": "Missing or unknown credentials.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Forbidden": {"description": "The role may not do this.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "NotFound": {"description": "No such thing.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "TooLarge": {"description": "Request or message over the size limit.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "parameters": {
      "ProfileId": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}
    }
  },
  "paths": {
    "/v1/identify": {"post": {"summary": "Identify a user", "tags": ["Tracking"], "security": [{"writeKey": []}, {}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}, "text/plain": {"schema": {"type": "string"}}}},
      "responses": {"200": {"$ref": "#/components/responses/Ingested"}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "413": {"$ref": "#/components/responses/TooLarge"}}}},
    "/v1/track": {"post": {"summary": "Record an action", "tags": ["Tracking"], "security": [{"writeKey": []}, {}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}, "text/plain": {"schema": {"type": "string"}}}},
      "responses": {"200": {"$ref": "#/components/responses/Ingested"}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "413": {"$ref": "#/components/responses/TooLarge"}}}},
    "/v1/page": {"post": {"summary": "Record a page view", "tags": ["Tracking"], "security": [{"writeKey": []}, {}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}, "text/plain": {"schema": {"type": "string"}}}},
      "responses": {"200": {"$ref": "#/components/responses/Ingested"}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "413": {"$ref": "#/components/responses/TooLarge"}}}},
    "/v1/screen": {"post": {"summary": "Record a screen view", "tags": ["Tracking"], "security": [{"writeKey": []}, {}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}, "text/plain": {"schema": {"type": "string"}}}},
      "responses": {"200": {"$ref": "#/components/responses/Ingested"}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "413": {"$ref": "#/components/responses/TooLarge"}}}},
    "/v1/group": {"post": {"summary": "Associate a user with a group", "tags": ["Tracking"], "security": [{"writeKey": []}, {}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}, "text/plain": {"schema": {"type": "string"}}}},
      "responses": {"200": {"$ref": "#/components/responses/Ingested"}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "413": {"$ref": "#/components/responses/TooLarge"}}}},
    "/v1/alias": {"post": {"summary": "Link a previous id to a user", "tags": ["Tracking"], "security": [{"writeKey": []}, {}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}, "text/plain": {"schema": {"type": "string"}}}},
      "responses": {"200": {"$ref": "#/components/responses/Ingested"}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "413": {"$ref": "#/components/responses/TooLarge"}}}},
    "/v1/batch": {"post": {"summary": "Send up to 2,500 messages (500 KB) at once", "tags": ["Tracking"], "security": [{"writeKey": []}, {}],
      "description": "Valid messages are stored even when others in the batch are rejected; the response lists the rejected ones. Bodies may be gzip-compressed (Content-Encoding: gzip).",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}, "text/plain": {"schema": {"type": "string"}}}},
      "responses": {"200": {"$ref": "#/components/responses/Ingested"}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "413": {"$ref": "#/components/responses/TooLarge"}}}},
    "/v1/import": {"post": {"summary": "Historical import (same as batch)", "tags": ["Tracking"], "security": [{"writeKey": []}, {}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}}},
      "responses": {"200": {"$ref": "#/components/responses/Ingested"}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "413": {"$ref": "#/components/responses/TooLarge"}}}},
    "/v1/profiles": {"get": {"summary": "Find profiles by identifier or text", "tags": ["Profiles"], "security": [{"apiToken": []}],
      "parameters": [
        {"name": "identifier", "in": "query", "schema": {"type": "string"}, "description": "kind:value, e.g. email:a@b.com or phone:+8613800138000"},
        {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Text to search in identifiers and traits"},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}],
      "responses": {"200": {"description": "The profile (identifier) or a list (q).", "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/Profile"}, {"type": "object", "properties": {"profiles": {"type": "array", "items": {"type": "object"}}}}]}}}},
        "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/profiles/{id}": {"get": {"summary": "A profile, combined with the profiles merged into it", "tags": ["Profiles"], "security": [{"apiToken": []}],
      "parameters": [{"$ref": "#/components/parameters/ProfileId"}],
      "responses": {"200": {"description": "The profile.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/profiles/{id}/events": {"get": {"summary": "A profile's event timeline, newest first", "tags": ["Profiles"], "security": [{"apiToken": []}],
      "parameters": [{"$ref": "#/components/parameters/ProfileId"},
        {"name": "before", "in": "query", "schema": {"type": "integer"}, "description": "Log position to page from (exclusive)"},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}],
      "responses": {"200": {"description": "A page of events.", "content": {"application/json": {"schema": {"type": "object", "properties": {"events": {"type": "array", "items": {"type": "object"}}, "next": {"type": "string"}}}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/profiles/{id}/merges": {"get": {"summary": "Merge history of a profile", "tags": ["Profiles"], "security": [{"apiToken": []}],
      "parameters": [{"$ref": "#/components/parameters/ProfileId"}],
      "responses": {"200": {"description": "Merges.", "content": {"application/json": {"schema": {"type": "object", "properties": {"merges": {"type": "array", "items": {"$ref": "#/components/schemas/Merge"}}}}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/profiles/{id}/unmerge": {"post": {"summary": "Undo a merge", "tags": ["Profiles"], "security": [{"apiToken": []}],
      "description": "Splits a merged profile off again (with its identifiers and events) and keeps the two from being merged automatically. Roles: admin, support.",
      "parameters": [{"$ref": "#/components/parameters/ProfileId"}],
      "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"mergeId": {"type": "integer"}}}}}},
      "responses": {"200": {"description": "The undone merge.", "content": {"application/json": {"schema": {"type": "object", "properties": {"success": {"type": "boolean"}, "merge": {"$ref": "#/components/schemas/Merge"}}}}}},
        "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}, "409": {"description": "Already undone.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
    "/v1/stats": {"get": {"summary": "What the workspace holds", "tags": ["Operations"], "security": [{"apiToken": []}],
      "responses": {"200": {"description": "Counts.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}}},
    "/v1/identity/warnings": {"get": {"summary": "Identifiers the resolver left out, and why", "tags": ["Profiles"], "security": [{"apiToken": []}],
      "responses": {"200": {"description": "Recent warnings.", "content": {"application/json": {"schema": {"type": "object", "properties": {"warnings": {"type": "array", "items": {"type": "object"}}}}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}}}},
    "/v1/segments": {"get": {"summary": "List segments", "tags": ["Audience"], "security": [{"apiToken": []}],
      "responses": {"200": {"description": "The segments.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}}}},
    "/v1/segments/{name}": {
      "get": {"summary": "A segment", "tags": ["Audience"], "security": [{"apiToken": []}], "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The segment.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}},
      "put": {"summary": "Create or change a segment", "tags": ["Audience"], "security": [{"apiToken": []}], "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
        "description": "Roles: admin, analyst, operator. condition: the condition language as text (docs/conditions.md) or its JSON form.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["condition"], "properties": {"condition": {}, "description": {"type": "string"}}}}}},
        "responses": {"200": {"description": "Saved and evaluated.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"description": "The condition or expression is refused: code (condition_syntax, condition_too_complex, condition_json, segment_cycle, unknown_segment, duplicate_name), message, line, column, expected.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}},
      "delete": {"summary": "Delete a segment", "tags": ["Audience"], "security": [{"apiToken": []}], "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "Deleted.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}, "409": {"description": "Another segment refers to it.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
    "/v1/traits": {"get": {"summary": "List computed traits", "tags": ["Audience"], "security": [{"apiToken": []}],
      "responses": {"200": {"description": "The computed traits.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}}}},
    "/v1/traits/{name}": {
      "get": {"summary": "A computed trait", "tags": ["Audience"], "security": [{"apiToken": []}], "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The computed trait.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}},
      "put": {"summary": "Create or change a computed trait", "tags": ["Audience"], "security": [{"apiToken": []}], "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
        "description": "Roles: admin, analyst, operator. expression: e.g. sum revenue of “Order Completed”.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["expression"], "properties": {"expression": {}, "description": {"type": "string"}}}}}},
        "responses": {"200": {"description": "Saved and evaluated.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"description": "The condition or expression is refused: code (condition_syntax, condition_too_complex, condition_json, segment_cycle, unknown_segment, duplicate_name), message, line, column, expected.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}},
      "delete": {"summary": "Delete a computed trait", "tags": ["Audience"], "security": [{"apiToken": []}], "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "Deleted.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}, "409": {"description": "Another segment refers to it.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
    "/v1/segments/preview": {"post": {"summary": "How many profiles a condition means, without saving it", "tags": ["Audience"], "security": [{"apiToken": []}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["condition"], "properties": {"condition": {}}}}}},
      "responses": {"200": {"description": "size, profiles (all live profiles), sample of ids.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"description": "The condition or expression is refused: code (condition_syntax, condition_too_complex, condition_json, segment_cycle, unknown_segment, duplicate_name), message, line, column, expected.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}}}},
    "/v1/segments/{name}/members": {"get": {"summary": "A segment's members with chosen traits", "tags": ["Audience"], "security": [{"apiToken": []}],
      "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "jsonl", "csv"]}},
        {"name": "traits", "in": "query", "schema": {"type": "string"}, "description": "Comma-separated traits, computed traits, or segments"},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
      "responses": {"200": {"description": "The members.", "content": {"application/json": {"schema": {"type": "object"}}, "application/x-ndjson": {"schema": {"type": "string"}}, "text/csv": {"schema": {"type": "string"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/segments/{name}/history": {"get": {"summary": "A segment's size over time, with entries and exits", "tags": ["Audience"], "security": [{"apiToken": []}],
      "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 3650}}, {"name": "bucket", "in": "query", "schema": {"type": "string", "enum": ["day", "hour"]}}],
      "responses": {"200": {"description": "points: at, size (at the bucket's end), entered, exited.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/segments/{name}/upload": {"post": {"summary": "A static segment: the profiles a CSV names", "tags": ["Audience"], "security": [{"apiToken": []}],
      "description": "A header line, then one profile per line, by profile_id, identifier (kind:value), user_id, email, phone, wechat_unionid, wechat_openid or anonymous_id. The list is kept as the tag list:<name>; uploading again adds to it, replace=true makes the file the whole list.",
      "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "replace", "in": "query", "schema": {"type": "boolean"}}],
      "requestBody": {"required": true, "content": {"text/csv": {"schema": {"type": "string"}}}},
      "responses": {"200": {"description": "changed, unchanged, notFound (lines), size.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "409": {"description": "The segment is defined by a condition.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
    "/v1/tags": {"get": {"summary": "List tags with their groups, rules and sizes", "tags": ["Audience"], "security": [{"apiToken": []}],
      "responses": {"200": {"description": "tags, and defaultGroups (the usual dimensions).", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}}}},
    "/v1/tags/{name}": {
      "get": {"summary": "A tag", "tags": ["Audience"], "security": [{"apiToken": []}], "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The tag.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}},
      "put": {"summary": "Create or change a tag", "tags": ["Audience"], "security": [{"apiToken": []}], "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
        "description": "Roles: admin, analyst, operator. group: a dimension (member_level, loyalty, activity, acquisition, lifecycle, referral, natural, behaviour, or your own). rule: optional condition that keeps the tag current (text or JSON form).",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["group"], "properties": {"group": {"type": "string"}, "rule": {}, "description": {"type": "string"}}}}}},
        "responses": {"200": {"description": "Saved and evaluated.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}},
      "delete": {"summary": "Delete a tag (taken off every profile first)", "tags": ["Audience"], "security": [{"apiToken": []}], "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "Deleted.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/tags/{name}/members": {"get": {"summary": "Profiles carrying a tag (by hand or by its rule)", "tags": ["Audience"], "security": [{"apiToken": []}],
      "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
      "responses": {"200": {"description": "size and members (profile ids).", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/tags/{name}/profiles": {"post": {"summary": "Set a tag on profiles, or take it off, by profile id", "tags": ["Audience"], "security": [{"apiToken": []}], "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"add": {"type": "array", "items": {"type": "integer"}}, "remove": {"type": "array", "items": {"type": "integer"}}}}}}},
      "responses": {"200": {"description": "added and removed: changed, unchanged, notFound.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/tags/{name}/upload": {"post": {"summary": "Set a tag on the profiles a CSV names (bulk)", "tags": ["Audience"], "security": [{"apiToken": []}],
      "description": "A header line, then one profile per line, by profile_id, identifier (kind:value), user_id, email, phone, wechat_unionid, wechat_openid or anonymous_id.",
      "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "remove", "in": "query", "schema": {"type": "boolean"}}],
      "requestBody": {"required": true, "content": {"text/csv": {"schema": {"type": "string"}}}},
      "responses": {"200": {"description": "changed, unchanged, notFound (lines).", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/lifecycle": {
      "get": {"summary": "The lifecycle model, customers per stage and the moves between stages", "tags": ["Audience"], "security": [{"apiToken": []}],
        "parameters": [{"name": "days", "in": "query", "description": "Moves over this many days (default 30).", "schema": {"type": "integer", "minimum": 1, "maximum": 3650}}],
        "responses": {"200": {"description": "model (null when none), stages [{name, description, size}], unstaged, flows [{from, to, count}] (null is no stage), from, to.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}}},
      "put": {"summary": "Set the lifecycle model", "tags": ["Audience"], "security": [{"apiToken": []}],
        "description": "Either the default model from its numbers, {\"standard\": {\"purchase_event\": \"Order Completed\", \"new_days\": 14, \"active_days\": 30, \"churn_days\": 90, \"loyal_purchases\": 5, \"won_back_days\": 30}} (any may be left out), or a model of your own: {\"stages\": [{\"name\", \"condition\", \"description\"}, …], \"warning_stage\": \"at_risk\"}. Stages are in priority order: a customer is in the first whose condition holds. Every change of stage is logged as a Lifecycle Stage Changed event (stage, previous_stage, reason); entering warning_stage also logs a Churn Warning. Conditions read the stage as `stage`.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
        "responses": {"200": {"description": "The model saved, conditions in canonical text.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}},
      "delete": {"summary": "Remove the lifecycle model (every customer leaves their stage)", "tags": ["Audience"], "security": [{"apiToken": []}],
        "responses": {"204": {"description": "Removed."}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/lifecycle/stages/{name}/history": {"get": {"summary": "A stage's size over time, with entries and exits", "tags": ["Audience"], "security": [{"apiToken": []}],
      "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 3650}}, {"name": "bucket", "in": "query", "schema": {"type": "string", "enum": ["day", "hour"]}}],
      "responses": {"200": {"description": "points: at, size (at the bucket's end), entered, exited.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/lifecycle/periods": {"get": {"summary": "Stages by period: each stage's size at each period's end and the moves between stages in it", "tags": ["Audience"], "security": [{"apiToken": []}],
      "description": "basis=events (the default): each period's end worked out again from the events (the model's conditions evaluated at that moment over the events before it; attributes and traits as they are now), and the moves from where each profile was at the period's start to where it was at its end. basis=recorded: the moves the projection recorded since the lifecycle model was set. The last period is the current one, up to now.",
      "parameters": [{"name": "period", "in": "query", "schema": {"type": "string", "enum": ["day", "week", "month"]}}, {"name": "periods", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 120}}, {"name": "utc_offset_minutes", "in": "query", "schema": {"type": "integer", "minimum": -840, "maximum": 840}}, {"name": "basis", "in": "query", "schema": {"type": "string", "enum": ["events", "recorded"]}}],
      "responses": {"200": {"description": "period, stages, periods [{start, end, sizes {stage: n}, flows [{from, to, count}] (null is no stage)}].", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/rfm": {
      "get": {"summary": "RFM per profile: the model and the grid of customers by R and F score", "tags": ["Audience"], "security": [{"apiToken": []}],
        "responses": {"200": {"description": "model (null when none), computedAt, scored, cells [{r, f, customers, monetary (average)}] (25), groups [{group, customers}].", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}}},
      "put": {"summary": "Set which events are purchases and which property is the amount", "tags": ["Audience"], "security": [{"apiToken": []}],
        "description": "{\"purchase_event\": \"Order Completed\", \"amount_property\": \"revenue\"}. Every customer's recency (days since the last purchase), frequency (distinct purchase days) and monetary (total) as of today are scored 1-5 by quintiles of rank, ties to the lower profile id, and worked out again every minute; conditions read rfm.r, rfm.f, rfm.m, rfm.score, rfm.group.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
        "responses": {"200": {"description": "The model saved.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}},
      "delete": {"summary": "Stop working RFM out", "tags": ["Audience"], "security": [{"apiToken": []}],
        "responses": {"204": {"description": "Removed."}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/clusters": {
      "get": {"summary": "Clusters: the model, its fit, and each cluster's size now and centre", "tags": ["Audience"], "security": [{"apiToken": []}],
        "responses": {"200": {"description": "model (null when none), fit {inertia, profiles, sampled, iterations, fitted_at, sizes}, unassigned, clusters [{number, name, size, centre {feature: value}, standardised {feature: value}}].", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}}},
      "put": {"summary": "Set the cluster model and fit it on the customers as they are now", "tags": ["Audience"], "security": [{"apiToken": []}],
        "description": "{\"features\": [{\"attribute\": \"rfm.monetary\", \"transform\": \"none|log|log1p\", \"missing\": 0}], \"k\": 5, \"standardise\": true, \"restarts\": 10, \"seed\": 0, \"sample\": 200000, \"names\": []}. Attributes are read as conditions read them (computed traits, rfm.*, traits). k-means (k-means++ seeds, restarts from the seed) on at most `sample` profiles; clusters numbered by size, largest first; every profile then in the nearest cluster, kept as the attribute `cluster` (a new customer joins at once).",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
        "responses": {"200": {"description": "As GET.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}},
      "delete": {"summary": "Stop clustering: profiles lose their cluster", "tags": ["Audience"], "security": [{"apiToken": []}],
        "responses": {"204": {"description": "Removed."}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/clusters/fit": {
      "post": {"summary": "Fit the cluster model again on the customers as they are now", "tags": ["Audience"], "security": [{"apiToken": []}],
        "responses": {"200": {"description": "As GET /v1/clusters.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/clusters/names": {
      "put": {"summary": "Name clusters 1, 2, ... without fitting again", "tags": ["Audience"], "security": [{"apiToken": []}],
        "description": "{\"names\": [\"Regulars\", \"Big spenders\"]}; an empty name leaves \"Cluster N\".",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
        "responses": {"200": {"description": "As GET /v1/clusters.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/insights/funnel": {"post": {"summary": "A funnel: how many did each step in order, dropped after it, and how long the steps took", "tags": ["Insights"], "security": [{"apiToken": []}],
      "description": "{\"steps\": [\"Product Viewed\", \"\\\"Order Completed\\\" where revenue > 100\"] (1-16, each an event in the condition language's event form), \"window_days\": 30 (or window_hours), \"order\": \"sequential|strict|any\", \"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\" (the last day an entry counts; default the last 30 days), \"breakdown\": \"trait:NAME|segment:NAME|property:PATH|context:PATH\", \"trend\": \"day|week|month\", \"utc_offset_minutes\": 480, \"dropped_after\": k, \"save_dropped_as\": \"NAME\"}. A profile counts once, by its attempt that got furthest within the window from its first step. save_dropped_as (with dropped_after; needs the right to edit the audience) makes those who dropped a static segment, its whole list (saved_segment in the answer).",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
      "responses": {"200": {"description": "steps [{label, count, conversion, step_conversion, dropped_after, median_seconds, time_histogram}], time_buckets, groups [{label, counts, conversion}], trend [{start, entered, converted, conversion}], and with dropped_after: dropped (profile ids, at most 10,000), dropped_count.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/insights/retention": {"post": {"summary": "Cohort retention: cohorts by the first cohort event, counted in each later period they did the return event", "tags": ["Insights"], "security": [{"apiToken": []}],
      "description": "{\"cohort_event\": \"Sign Up\" (null: the first event of any kind), \"return_event\": \"Order Completed\" (default: the cohort event), \"period\": \"day|week|month\", \"periods\": 8, \"mode\": \"bounded|unbounded\", \"segment\": \"vip\", \"breakdown\": \"trait:city|segment:NAME\", \"utc_offset_minutes\": 480}. With a breakdown, groups [{label, cohorts}] as well: the 8 largest groups by cohort members, the rest as other.",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
      "responses": {"200": {"description": "period, mode, cohorts [{start, size, counts (null where the period has not come yet)}].", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/v1/insights/paths": {"post": {"summary": "Paths: where profiles went after (or came from before) their first anchor event", "tags": ["Insights"], "security": [{"apiToken": []}],
      "description": "{\"anchor\": \"App Opened\" (event form, as a funnel step), \"direction\": \"after|before\", \"steps\": 4 (1-10), \"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\", \"collapse_repeats\": true, \"utc_offset_minutes\": 480}. Each profile counts once, from its first anchor in the range; at each step the 8 most frequent events are kept, the rest shown as (other); (end) where nothing followed.",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
      "responses": {"200": {"description": "anchored, next [{name, count}], links [{depth, from, to, count}] (for a flow chart), top [{steps, count}].", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}}},
    "/v1/insights/aarrr": {"post": {"summary": "AARRR: acquisition, activation, retention, revenue and referral per period", "tags": ["Insights"], "security": [{"apiToken": []}],
      "description": "{\"period\": \"day|week|month\", \"periods\": 12 (1-400, ending with the period of end), \"end\": \"YYYY-MM-DD\" (default today), \"utc_offset_minutes\": 480, \"acquisition\": [\"channel\", \"context:campaign.source\", \"context:campaign.name\"], \"activation_event\": \"Signed Up\" (null: none), \"activation_days\": 7, \"return_event\": null (any event), \"purchase_event\" and \"amount_property\" (default: the RFM model's, else Order Completed and revenue), \"invite_events\": [\"Invite Sent\", \"Referral Sent\"], \"referred_event\": \"\\\"Signed Up\\\" where referral_code exists\"}. New profiles by their first event, split by the first touch (the earliest value within a day of it); activation and referral within activation_days of the first event; D1/D7/D30 active on that day after the first, W1 on days 7-13, counted over the profiles whose days are over; paying rate, ARPU and ARPPU over the period's active profiles; repeat rate: paying profiles with two or more purchases by the period's end; viral coefficient = invites per active profile x referred per invite.",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
      "responses": {"200": {"description": "period, activation_days, periods [{start, complete, new_profiles, acquisition {dimension: [{label, count}]}, activation, d1, d7, d30, w1 ({eligible, count, rate}), active_profiles, paying_profiles, repeat_profiles, orders, revenue, paying_rate, arpu, arppu, repeat_rate, revenue_by_channel [{label, revenue}], invites, inviters, referred, invites_per_active, invite_conversion, viral_coefficient}], total (the same over the whole range).", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}}},
    "/v1/insights/basket": {"post": {"summary": "Basket analysis: itemsets bought together and association rules over the workspace's orders", "tags": ["Insights"], "security": [{"apiToken": []}],
      "description": "{\"purchase_event\": \"Order Completed\" (default: the RFM model's), \"item_key\": \"product_id\" (the member of each element of properties.products naming the item), \"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\" (default: every order), \"utc_offset_minutes\": 480, \"min_support\": 0.01, \"min_confidence\": 0.1, \"max_length\": 3 (2-6), \"limit\": 100}. Each purchase event's products are one basket (an item twice counts once); FP-growth finds the itemsets in at least min_support of the orders. Read from the log: its time grows with the log.",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
      "responses": {"200": {"description": "orders, min_count, itemsets [{items [{id, name}], count, support}] (two or more items, by count), rules [{antecedent, consequent (items), count, support, confidence, lift}] (by lift).", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}}},
    "/v1/insights/experiment": {"post": {"summary": "A/B test statistics: conversion z-test, lift intervals, P(beat control), sample-ratio check, Welch's t-test on revenue", "tags": ["Insights"], "security": [{"apiToken": []}],
      "description": "{\"control\": {\"users\": 1000, \"conversions\": 100, \"revenue_mean\": 12.5, \"revenue_variance\": 90}, \"treatment\": {...}, \"planned_shares\": [0.5, 0.5], \"confidence\": 0.95}. revenue_mean and revenue_variance (the sample variance of revenue per user) are optional, together. probability_to_beat_control uses Beta(1, 1) priors, exactly (null past a million conversions).",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
      "responses": {"200": {"description": "conversion {control_rate, treatment_rate, difference, z, p_value, interval, lift, lift_interval, probability_to_beat_control}, sample_ratio {chi_square, p_value, mismatch}, revenue {difference, t, degrees_of_freedom, p_value, interval, lift, lift_interval} or null.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}}},
    "/health": {"get": {"summary": "Liveness and projection position", "tags": ["Operations"],
      "responses": {"200": {"description": "Healthy.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics", "tags": ["Operations"],
      "responses": {"200": {"description": "Prometheus text format.", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    "/openapi.json": {"get": {"summary": "This document", "tags": ["Operations"],
      "responses": {"200": {"description": "OpenAPI 3 document.", "content": {"application/json": {"schema": {"type": "object"}}}}}}}
  }
}
"""#
}
