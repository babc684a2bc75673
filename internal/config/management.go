package config

import "github.com/tollgate-gw/tollgate/internal/diag"

// Management says who may call the management API, the AWS paths of the admin address (the aws CLI's and boto3's
// apigateway clients with --endpoint-url): each access key signs its requests with SigV4 for the apigateway
// service in aws.region. With none, only loopback clients may, signed or not.
type Management struct {
	Credentials []ManagementCredential `yaml:"credentials"`
}

// ManagementCredential is one access key of the management API.
type ManagementCredential struct {
	AccessKeyID     string `yaml:"accessKeyId"`
	SecretAccessKey string `yaml:"secretAccessKey"`
}

func (c *Config) validateManagement(probs *diag.Problems) {
	c.validateAccessKeys(probs, "management", "a management credential", len(c.Management.Credentials), func(i int) (string, string) {
		return c.Management.Credentials[i].AccessKeyID, c.Management.Credentials[i].SecretAccessKey
	})
}
