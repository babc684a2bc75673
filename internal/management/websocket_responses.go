package management

import (
	"net/http"
	"regexp"
	"slices"
)

// A WebSocket API's integration responses and route responses: an integration's responses render what its route
// sends back (AWS, HTTP and MOCK integrations). A route sends it back when its routeResponseSelectionExpression is
// $default, as a file's definition says; its $default route response, AWS's second step to a two-way route, is
// kept and shown.

func init() {
	const integrationResponses = "/v2/apis/{api_id}/integrations/{integration_id}/integrationresponses"
	const routeResponses = "/v2/apis/{api_id}/routes/{route_id}/routeresponses"
	routes = append(routes,
		route{"POST " + integrationResponses, (*Service).createIntegrationResponseV2},
		route{"GET " + integrationResponses, (*Service).getIntegrationResponsesV2},
		route{"GET " + integrationResponses + "/{integration_response_id}", (*Service).getIntegrationResponseV2},
		route{"PATCH " + integrationResponses + "/{integration_response_id}", (*Service).updateIntegrationResponseV2},
		route{"DELETE " + integrationResponses + "/{integration_response_id}", (*Service).deleteIntegrationResponseV2},
		route{"POST " + routeResponses, (*Service).createRouteResponseV2},
		route{"GET " + routeResponses, (*Service).getRouteResponsesV2},
		route{"GET " + routeResponses + "/{route_response_id}", (*Service).getRouteResponseV2},
		route{"DELETE " + routeResponses + "/{route_response_id}", (*Service).deleteRouteResponseV2},
	)
}

// integrationResponseV2 is apigatewayv2's IntegrationResponse.
type integrationResponseV2 struct {
	IntegrationResponseID       string            `json:"integrationResponseId"`
	IntegrationResponseKey      string            `json:"integrationResponseKey"`
	ResponseTemplates           map[string]string `json:"responseTemplates,omitempty"`
	TemplateSelectionExpression string            `json:"templateSelectionExpression,omitempty"`
}

// integrationResponseV2Request is CreateIntegrationResponse's and UpdateIntegrationResponse's body.
type integrationResponseV2Request struct {
	ContentHandlingStrategy     string            `json:"contentHandlingStrategy"`
	IntegrationResponseKey      string            `json:"integrationResponseKey"`
	ResponseParameters          map[string]string `json:"responseParameters"`
	ResponseTemplates           map[string]string `json:"responseTemplates"`
	TemplateSelectionExpression *string           `json:"templateSelectionExpression"`
}

func (req integrationResponseV2Request) apply(ir *integrationResponseV2) error {
	switch {
	case req.ContentHandlingStrategy != "" || req.ResponseParameters != nil:
		return badRequest("contentHandlingStrategy and responseParameters of integration responses are not supported by Tollgate yet")
	case req.TemplateSelectionExpression != nil && *req.TemplateSelectionExpression != "" && *req.TemplateSelectionExpression != `\$default`:
		return badRequest("An integration response's templateSelectionExpression is not supported by Tollgate yet: its $default template is rendered")
	}
	if req.IntegrationResponseKey != "" {
		ir.IntegrationResponseKey = req.IntegrationResponseKey
	}
	if req.ResponseTemplates != nil {
		ir.ResponseTemplates = req.ResponseTemplates
	}
	if req.TemplateSelectionExpression != nil {
		ir.TemplateSelectionExpression = *req.TemplateSelectionExpression
	}
	return nil
}

// check refuses an integration response the integration cannot have.
func (ir *integrationResponseV2) check(rec *httpAPIRecord, in *integrationV2) error {
	key := ir.IntegrationResponseKey
	switch {
	case in.IntegrationType == "AWS_PROXY" || in.IntegrationType == "HTTP_PROXY":
		return badRequest("A proxy integration's answer is sent as it is: integration responses are AWS, HTTP and MOCK integrations'")
	case slices.ContainsFunc(rec.IntegrationResponses[in.IntegrationID], func(other *integrationResponseV2) bool {
		return other.IntegrationResponseKey == key && other.IntegrationResponseID != ir.IntegrationResponseID
	}):
		return conflict("Integration response key %s is another integration response's", key)
	case key == "$default":
		return nil
	case len(key) < 2 || key[0] != '/' || key[len(key)-1] != '/':
		return badRequest("Invalid integrationResponseKey %q: want $default or a /regex/ of the integration's status code", key)
	}
	if _, err := regexp.Compile(key[1 : len(key)-1]); err != nil {
		return badRequest("Invalid integrationResponseKey %q: %v", key, err)
	}
	return nil
}

// webSocketIntegration is the WebSocket API's integration r names.
func webSocketIntegration(rec *httpAPIRecord, r *http.Request) (*integrationV2, error) {
	if !rec.isWebSocket() {
		return nil, badRequest("Integration responses are a WebSocket API's: an HTTP API's integrations answer as they are")
	}
	return integrationV2Of(rec, r.PathValue("integration_id"))
}

func integrationResponseV2Of(rec *httpAPIRecord, in *integrationV2, id string) (*integrationResponseV2, error) {
	responses := rec.IntegrationResponses[in.IntegrationID]
	if i := slices.IndexFunc(responses, func(ir *integrationResponseV2) bool { return ir.IntegrationResponseID == id }); i >= 0 {
		return responses[i], nil
	}
	return nil, notFound("Invalid IntegrationResponse identifier specified")
}

func (s *Service) createIntegrationResponseV2(w http.ResponseWriter, r *http.Request) {
	var req integrationResponseV2Request
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	ir := &integrationResponseV2{IntegrationResponseID: newID()}
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		in, err := webSocketIntegration(*rec, r)
		if err != nil {
			return false, err
		}
		if err := req.apply(ir); err != nil {
			return false, err
		}
		if err := ir.check(*rec, in); err != nil {
			return false, err
		}
		if (*rec).IntegrationResponses == nil {
			(*rec).IntegrationResponses = map[string][]*integrationResponseV2{}
		}
		(*rec).IntegrationResponses[in.IntegrationID] = append((*rec).IntegrationResponses[in.IntegrationID], ir)
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, ir)
}

// itemsOf is a Get operation's list, all of it: an integration's or a route's responses are few.
type itemsOf[T any] struct {
	Items []T `json:"items"`
}

func items[T any](list []T) itemsOf[T] { return itemsOf[T]{Items: append([]T{}, list...)} }

func (s *Service) getIntegrationResponsesV2(w http.ResponseWriter, r *http.Request) {
	readHTTP(s, w, r, func(rec *httpAPIRecord) (itemsOf[*integrationResponseV2], error) {
		in, err := webSocketIntegration(rec, r)
		if err != nil {
			return itemsOf[*integrationResponseV2]{}, err
		}
		return items(rec.IntegrationResponses[in.IntegrationID]), nil
	})
}

func (s *Service) getIntegrationResponseV2(w http.ResponseWriter, r *http.Request) {
	readHTTP(s, w, r, func(rec *httpAPIRecord) (*integrationResponseV2, error) {
		in, err := webSocketIntegration(rec, r)
		if err != nil {
			return nil, err
		}
		return integrationResponseV2Of(rec, in, r.PathValue("integration_response_id"))
	})
}

func (s *Service) updateIntegrationResponseV2(w http.ResponseWriter, r *http.Request) {
	var req integrationResponseV2Request
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	var out *integrationResponseV2
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		in, err := webSocketIntegration(*rec, r)
		if err != nil {
			return false, err
		}
		ir, err := integrationResponseV2Of(*rec, in, r.PathValue("integration_response_id"))
		if err != nil {
			return false, err
		}
		if err := req.apply(ir); err != nil {
			return false, err
		}
		out = ir
		return false, ir.check(*rec, in)
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) deleteIntegrationResponseV2(w http.ResponseWriter, r *http.Request) {
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		in, err := webSocketIntegration(*rec, r)
		if err != nil {
			return false, err
		}
		ir, err := integrationResponseV2Of(*rec, in, r.PathValue("integration_response_id"))
		if err != nil {
			return false, err
		}
		(*rec).IntegrationResponses[in.IntegrationID] = slices.DeleteFunc((*rec).IntegrationResponses[in.IntegrationID],
			func(other *integrationResponseV2) bool { return other == ir })
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// routeResponseV2 is apigatewayv2's RouteResponse: Tollgate serves the $default one, which makes a route two-way.
type routeResponseV2 struct {
	RouteResponseID  string `json:"routeResponseId"`
	RouteResponseKey string `json:"routeResponseKey"`
}

// routeResponseV2Request is CreateRouteResponse's body.
type routeResponseV2Request struct {
	ModelSelectionExpression string         `json:"modelSelectionExpression"`
	ResponseModels           map[string]any `json:"responseModels"`
	ResponseParameters       map[string]any `json:"responseParameters"`
	RouteResponseKey         string         `json:"routeResponseKey"`
}

// webSocketRoute is the WebSocket API's route r names.
func webSocketRoute(rec *httpAPIRecord, r *http.Request) (*routeV2, error) {
	if !rec.isWebSocket() {
		return nil, badRequest("Route responses are a WebSocket API's: an HTTP API's routes answer as their integrations do")
	}
	return routeOf(rec, r.PathValue("route_id"))
}

func routeResponseOf(rec *httpAPIRecord, rt *routeV2, id string) (*routeResponseV2, error) {
	responses := rec.RouteResponses[rt.RouteID]
	if i := slices.IndexFunc(responses, func(rr *routeResponseV2) bool { return rr.RouteResponseID == id }); i >= 0 {
		return responses[i], nil
	}
	return nil, notFound("Invalid RouteResponse identifier specified")
}

func (s *Service) createRouteResponseV2(w http.ResponseWriter, r *http.Request) {
	var req routeResponseV2Request
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	switch {
	case req.ModelSelectionExpression != "" || req.ResponseModels != nil || req.ResponseParameters != nil:
		fail(w, badRequest("modelSelectionExpression, responseModels and responseParameters of route responses are not supported by Tollgate yet"))
		return
	case req.RouteResponseKey != "$default":
		fail(w, badRequest("A route response's routeResponseKey is $default: Tollgate serves no other yet"))
		return
	}
	rr := &routeResponseV2{RouteResponseID: newID(), RouteResponseKey: req.RouteResponseKey}
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		rt, err := webSocketRoute(*rec, r)
		if err != nil {
			return false, err
		}
		switch {
		case rt.RouteKey == "$connect" || rt.RouteKey == "$disconnect":
			return false, badRequest("%s has no route responses: the client has no connection to send them on", rt.RouteKey)
		case len((*rec).RouteResponses[rt.RouteID]) > 0:
			return false, conflict("Route response key $default is another route response's")
		}
		if (*rec).RouteResponses == nil {
			(*rec).RouteResponses = map[string][]*routeResponseV2{}
		}
		(*rec).RouteResponses[rt.RouteID] = append((*rec).RouteResponses[rt.RouteID], rr)
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, rr)
}

func (s *Service) getRouteResponsesV2(w http.ResponseWriter, r *http.Request) {
	readHTTP(s, w, r, func(rec *httpAPIRecord) (itemsOf[*routeResponseV2], error) {
		rt, err := webSocketRoute(rec, r)
		if err != nil {
			return itemsOf[*routeResponseV2]{}, err
		}
		return items(rec.RouteResponses[rt.RouteID]), nil
	})
}

func (s *Service) getRouteResponseV2(w http.ResponseWriter, r *http.Request) {
	readHTTP(s, w, r, func(rec *httpAPIRecord) (*routeResponseV2, error) {
		rt, err := webSocketRoute(rec, r)
		if err != nil {
			return nil, err
		}
		return routeResponseOf(rec, rt, r.PathValue("route_response_id"))
	})
}

func (s *Service) deleteRouteResponseV2(w http.ResponseWriter, r *http.Request) {
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		rt, err := webSocketRoute(*rec, r)
		if err != nil {
			return false, err
		}
		rr, err := routeResponseOf(*rec, rt, r.PathValue("route_response_id"))
		if err != nil {
			return false, err
		}
		(*rec).RouteResponses[rt.RouteID] = slices.DeleteFunc((*rec).RouteResponses[rt.RouteID], func(other *routeResponseV2) bool { return other == rr })
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
